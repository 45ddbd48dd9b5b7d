import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BIN, ROOT, runCli, tempDir } from '../helpers/cli.ts'

describe('usersim serve', () => {
  it('serves the runs of a database on loopback, answers "unchanged" when nothing moved, and stops on SIGTERM', async () => {
    const db = join(tempDir('usersim-serve-'), 's.db')
    const run = await runCli(['run', 'feed', '--agents', '300', '--rounds', '2', '--catalog', '300', '--threads', '0', '--db', db, '--json'])
    expect(run.code, run.stderr).toBe(0)
    const runId = (JSON.parse(run.stdout) as { runId: string }).runId

    const child = spawn(process.execPath, [BIN, 'serve', '--db', db, '--port', '0'], { cwd: ROOT, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)))
    try {
      const url = await new Promise<string>((ok, fail) => {
        const t = setTimeout(() => fail(new Error(`no URL printed: ${stderr}`)), 30_000)
        child.stderr.on('data', () => {
          const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)
          if (m) {
            clearTimeout(t)
            ok(m[1]!)
          }
        })
      })
      const page = await fetch(url)
      expect(page.status).toBe(200)
      const html = await page.text()
      expect(html).toContain("connect-src 'self'")
      expect(html).toContain('id="usersim-live"')

      const runs = (await (await fetch(`${url}api/runs`)).json()) as { runs: Array<{ id: string; roundsDone: number; status: string }> }
      expect(runs.runs).toEqual([expect.objectContaining({ id: runId, roundsDone: 2, status: 'finished' })])

      const first = (await (await fetch(`${url}api/report?runs=${runId}`)).json()) as { version: string; data: { runs: Array<{ id: string; rounds: unknown[] }> } }
      expect(first.data.runs[0]!.id).toBe(runId)
      expect(first.data.runs[0]!.rounds).toHaveLength(2)
      const again = (await (await fetch(`${url}api/report?runs=${runId}&v=${first.version}`)).json()) as { unchanged?: boolean }
      expect(again.unchanged).toBe(true)

      const missing = await fetch(`${url}api/report?runs=no-such-run`)
      expect(missing.status).toBe(404)
      expect(((await missing.json()) as { error: string }).error).toContain('no-such-run')
      expect((await fetch(`${url}nothing-here`)).status).toBe(404)
      expect((await fetch(url, { method: 'POST' })).status).toBe(405)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
  }, 120_000)

  it('refuses a bad port with a usage error', async () => {
    const r = await runCli(['serve', '--db', 'x.db', '--port', '70000'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--port must be between 0 and 65535')
    const s = await runCli(['run', 'feed', '--agents', '10', '--rounds', '1', '--db', join(tempDir(), 'y.db'), '--serve', 'abc'])
    expect(s.code).toBe(2)
    expect(s.stderr).toContain('--serve takes a port')
    const r2 = await runCli(['report', 'no-such-run', '--db', join(tempDir(), 'z.db')])
    expect(r2.code).toBe(1)
    expect(r2.stderr).toContain('database not found')
  }, 60_000)
})
