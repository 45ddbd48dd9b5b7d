import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { startOpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { BIN, ROOT, runCli, tempDir } from '../helpers/cli.ts'

// Small runs: the point is how a run ends and who may drive it, not what it computes.
const RUN = ['run', 'feed', '--agents', '120', '--rounds', '4', '--catalog', '300', '--seed', '3', '--threads', '0', '--json']

/** Starts `usersim run` held at a point (see src/extensions/test-hold.ts) and waits until it is there. */
async function startHeld(db: string, dir: string, hold: string, holdMs: number, extra: string[] = []): Promise<{ child: ChildProcess; exited: Promise<number | null>; out: () => string; reached: (point: string) => Promise<void> }> {
  const signal = join(dir, `hold-${Math.random().toString(16).slice(2)}`)
  const child = spawn(process.execPath, [BIN, ...RUN, '--db', db, ...extra], {
    cwd: ROOT,
    env: { ...process.env, CI: '1', USERSIM_TEST_HOLD: hold, USERSIM_TEST_HOLD_SIGNAL: signal, USERSIM_TEST_HOLD_MS: String(holdMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const reached = async (point: string) => {
    const deadline = Date.now() + 60_000
    while (!existsSync(signal) || !readFileSync(signal, 'utf8').split('\n').includes(point)) {
      if (child.exitCode !== null) throw new Error(`usersim exited before ${point}: ${out}`)
      if (Date.now() > deadline) throw new Error(`hold point ${point} never reached: ${out}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  await reached(hold.split(',')[0]!)
  return { child, exited, out: () => out, reached }
}

/** The status column as stored (not as derived from the lease). */
function storedStatus(db: string): { id: string; status: string; error: string | null; lease_pid: number | null } {
  const d = new Database(db, { readonly: true })
  try {
    return d.prepare('SELECT id, status, error, lease_pid FROM runs').get() as { id: string; status: string; error: string | null; lease_pid: number | null }
  } finally {
    d.close()
  }
}

function roundsDone(db: string): number {
  const d = new Database(db, { readonly: true })
  try {
    return d.prepare("SELECT count(*) FROM rounds WHERE status = 'done'").pluck().get() as number
  } catch {
    return 0
  } finally {
    d.close()
  }
}

async function until(cond: () => boolean, said: () => string): Promise<void> {
  const deadline = Date.now() + 60_000
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition never met; stderr: ${said()}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const children: ChildProcess[] = []
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
})

describe('run lease: who drives a run, and how it ends', () => {
  const dir = tempDir('usersim-lease-')

  it('resume refuses a run another live process drives, naming it; once that process is killed, runs/show say interrupted and resume finishes it', { timeout: 180_000 }, async () => {
    const db = join(dir, 'live.db')
    const held = await startHeld(db, dir, 'round:1', 20_000)
    children.push(held.child)
    const runId = storedStatus(db).id

    const list = await runCli(['runs', '--db', db, '--json'])
    expect(list.code, list.stderr).toBe(0)
    const [row] = JSON.parse(list.stdout) as { status: string; owner: string | null }[]
    expect(row!.status).toBe('running')
    expect(row!.owner).toBe(`pid ${held.child.pid} on ${(await import('node:os')).hostname()}`)

    const second = await runCli(['resume', runId, '--db', db, '--threads', '0', '--json'])
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(/RUN_BUSY: run ".*" is still running \(pid \d+ on .*, last heartbeat \d+ s ago\)/)
    expect(second.stderr).toContain(`pid ${held.child.pid}`)
    // Nothing of the live run was touched: it is still at round 1, stored as running.
    expect(storedStatus(db).status).toBe('running')

    const rollback = await runCli(['rollback', runId, '--to-round', '0', '--db', db])
    expect(rollback.code).toBe(1)
    expect(rollback.stderr).toMatch(/RUN_BUSY/)

    held.child.kill('SIGKILL')
    await held.exited
    const after = await runCli(['runs', '--db', db, '--json'])
    expect((JSON.parse(after.stdout) as { status: string }[])[0]!.status).toBe('interrupted')
    const show = await runCli(['show', runId, '--db', db])
    expect(show.stdout.split('\n')[0]).toMatch(/ interrupted/)

    const resumed = await runCli(['resume', runId, '--db', db, '--threads', '0', '--json'])
    expect(resumed.code, resumed.stderr).toBe(0)
    const done = storedStatus(db)
    expect(done.status).toBe('finished')
    expect(done.lease_pid).toBeNull()
  })

  it('a single Ctrl-C stops after the round and exits 130 (stopped: true); the run is stored interrupted with no lease', { timeout: 120_000 }, async () => {
    const db = join(dir, 'sigint.db')
    const held = await startHeld(db, dir, 'round:1', 1_000)
    children.push(held.child)
    held.child.kill('SIGINT')
    expect(await held.exited).toBe(130)
    const json = JSON.parse(held.out().split('\n').find((l) => l.startsWith('{'))!) as { stopped: boolean }
    expect(json.stopped).toBe(true)
    const s = storedStatus(db)
    expect(s.status).toBe('interrupted')
    expect(s.lease_pid).toBeNull()
  })

  it('a second Ctrl-C aborts at once (exit 130) and still records the run as interrupted', { timeout: 120_000 }, async () => {
    const db = join(dir, 'double-sigint.db')
    // A slow model keeps each round busy (and this process's event loop free to take the signals).
    const server = await startOpenAiTestServer({ latencyMs: 100, capacity: 2, tokens: 'estimate', keepRequests: false })
    try {
      const child = spawn(process.execPath, [BIN, ...RUN, '--agents', '40', '--db', db, '--llm', 'openai', '--model', 'test-model', '--base-url', server.url], {
        cwd: ROOT,
        env: { ...process.env, CI: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      children.push(child)
      let err = ''
      child.stderr.on('data', (d) => (err += d))
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
      await until(() => existsSync(db) && roundsDone(db) >= 1, () => err)
      child.kill('SIGINT')
      await until(() => /stopping after this round/.test(err), () => err)
      expect(roundsDone(db)).toBeLessThan(2)
      child.kill('SIGINT')
      expect(await exited).toBe(130)
    } finally {
      await server.close()
    }
    const s = storedStatus(db)
    expect(s.status).toBe('interrupted')
    expect(s.error).toMatch(/process exited \(code 130\) during the run; `npx usersim resume/)
    expect(s.lease_pid).toBeNull()
  })

  it('SIGTERM aborts at once (exit 143) and still records the run as interrupted', { timeout: 120_000 }, async () => {
    const db = join(dir, 'sigterm.db')
    const held = await startHeld(db, dir, 'shard:1:1', 1_000)
    children.push(held.child)
    held.child.kill('SIGTERM')
    expect(await held.exited).toBe(143)
    const s = storedStatus(db)
    expect(s.status).toBe('interrupted')
    expect(s.error).toMatch(/process exited \(code 143\) during the run/)
    expect(s.lease_pid).toBeNull()
  })

  it('a run whose scenario code fails before its first round is recorded as failed, with the message, and holds no lease', { timeout: 60_000 }, async () => {
    const db = join(dir, 'persona.db')
    const r = await runCli(['run', 'test/fixtures/persona-throws-scenario.ts', '--threads', '0', '--db', db])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('no persona for 7')
    const s = storedStatus(db)
    expect(s.status).toBe('failed')
    expect(s.error).toContain('no persona for 7')
    expect(s.lease_pid).toBeNull()
  })
})
