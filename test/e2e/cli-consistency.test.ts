import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { beforeAll, describe, expect, it } from 'vitest'
import { BIN, ROOT, runCli, tempDir } from '../helpers/cli.ts'

// Commands that should behave alike: "latest" everywhere, --set values visible, the same Redis default.
describe('consistent commands', () => {
  const dir = tempDir('usersim-consistent-')
  const db = join(dir, 'runs.db')
  const ids: string[] = []

  beforeAll(async () => {
    for (const factors of ['8', '16']) {
      const r = await runCli(['run', 'feed', '--agents', '40', '--rounds', '1', '--catalog', '100', '--policy', 'bpr', '--set', `policy.factors=${factors}`, '--threads', '0', '--db', db, '--json'])
      expect(r.code, r.stderr).toBe(0)
      ids.push((JSON.parse(r.stdout) as { runId: string }).runId)
    }
  }, 120_000)

  it('show latest shows the newest run, as report latest reads it', async () => {
    const r = await runCli(['show', 'latest', '--db', db])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.split('\n')[0]).toBe(`run ${ids[1]}  finished`)
    const empty = await runCli(['show', 'latest', '--db', join(dir, 'none.db')])
    expect(empty.code).not.toBe(0)
  })

  it('runs shows the --set values, so runs that differ only there look different', async () => {
    const table = await runCli(['runs', '--db', db])
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout).toContain('settings')
    expect(table.stdout).toMatch(new RegExp(`${ids[0]}.*policy\\.factors=8`))
    expect(table.stdout).toMatch(new RegExp(`${ids[1]}.*policy\\.factors=16`))
    const json = JSON.parse((await runCli(['runs', '--db', db, '--json'])).stdout) as { id: string; policyOptions: Record<string, unknown> }[]
    expect(json.find((r) => r.id === ids[0])!.policyOptions).toEqual({ factors: 8 })
  })

  it('worker without --redis (and no REDIS_URL) uses redis://127.0.0.1:6379, like a bare run --redis', { timeout: 60_000 }, async () => {
    const prefix = `usersim-test-lifecycle-${process.pid}`
    const worker = spawn(process.execPath, [BIN, 'worker', '--prefix', prefix], { cwd: ROOT, env: { ...process.env, CI: '1', REDIS_URL: '' }, stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    worker.stderr.on('data', (d) => (err += d))
    const exited = new Promise<number | null>((resolve) => worker.on('exit', (code) => resolve(code)))
    try {
      const t0 = Date.now()
      while (!/waiting for shard jobs on redis:\/\/127\.0\.0\.1:6379/.test(err) && worker.exitCode === null && Date.now() - t0 < 45_000) await new Promise((r) => setTimeout(r, 50))
      expect(err).toMatch(/waiting for shard jobs on redis:\/\/127\.0\.0\.1:6379/)
    } finally {
      worker.kill('SIGTERM')
      await exited
      const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true })
      await redis.connect()
      const keys = await redis.keys(`${prefix}:*`)
      if (keys.length) await redis.del(...keys)
      await redis.quit()
    }
  })

  it('the progress bar counts rounds from 0, as the tables do', { timeout: 120_000 }, () => {
    // On a terminal (util-linux `script` gives the command one), outside CI, as a user sees it.
    const env: Record<string, string | undefined> = { ...process.env }
    delete env.CI
    const cmd = `"${process.execPath}" "${BIN}" run feed --agents 3000 --rounds 2 --threads 0 --db "${join(dir, 'tty.db')}"`
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, encoding: 'utf8', env })
    expect(r.status, r.stdout).toBe(0)
    const shown = r.stdout.split(/[\r\n]/).filter((l) => /% {2}round /.test(l))
    expect(shown.length).toBeGreaterThan(0)
    expect(shown.some((l) => l.includes('round 0 of 0–1'))).toBe(true)
    expect(shown.some((l) => l.includes('round 1 of 0–1'))).toBe(true)
    expect(shown.some((l) => /round 2\b/.test(l))).toBe(false)
    expect(r.stdout).toMatch(/see it again: npx usersim show /)
  })
})
