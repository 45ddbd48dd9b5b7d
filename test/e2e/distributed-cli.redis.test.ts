import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildRunConfig } from '../../src/runner/index.ts'
import { launchRun } from '../helpers/launch.ts'
import { bullmqExecutor } from '../../src/runner/bullmq/index.ts'
import { ROOT } from '../fixtures/distributed/workers.ts'
import { OwnRedis } from '../fixtures/distributed/own-redis.ts'

// The real CLI on both sides, against a private Redis that wants TLS and a password.
describe('usersim run --redis / usersim worker (TLS and password)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'usersim-cli-dist-'))
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  const password = 'p@ss w0rd!'
  const redis = new OwnRedis(6393, { password, tls: { cert, key } })
  // Node trusts the test CA through NODE_EXTRA_CA_CERTS, as a user would set it.
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: cert, REDIS_URL: '' }
  const children: ReturnType<typeof spawn>[] = []

  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' })
    await redis.start()
  })
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  function cli(args: string[]) {
    const proc = spawn(process.execPath, ['bin/usersim.js', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(proc)
    let out = ''
    let err = ''
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
    const waitFor = async (re: RegExp, ms = 40_000) => {
      const t0 = Date.now()
      while (!re.test(err) && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 50))
      if (!re.test(err)) throw new Error(`no ${re} in ${ms} ms; stderr:\n${err}`)
    }
    return { proc, exited, waitFor, out: () => out, err: () => err }
  }

  // Four CLI processes start here (a few seconds each on a busy machine): a longer timeout.
  it('SIGTERM finishes the job in hand; the run says no worker is connected, then a later worker completes it', { timeout: 120_000 }, async () => {
    const db = join(dir, 'a.db')
    const a = cli(['worker', '--redis', redis.url, '--lock-duration', '3000', '--stalled-interval', '1000'])
    await a.waitFor(/waiting for shard jobs on rediss:\/\/:\*\*\*@127\.0\.0\.1:6393/)
    const run = cli(['run', 'feed', '--agents', '3000', '--rounds', '1', '--shards', '2', '--seed', '3', '--db', db, '--json', '--redis', redis.url])
    await a.waitFor(/start shard 0 of round 0/)
    a.proc.kill('SIGTERM')
    expect(await a.exited).toBe(0)
    expect(a.err()).toMatch(/SIGTERM: finishing the jobs in hand[\s\S]*done shard 0 of round 0[\s\S]*stopped/)
    expect(a.err()).not.toMatch(/start shard 1 of round 0/)
    // Shard 1 waits; the orchestrator says why.
    await run.waitFor(/waiting for workers: none is connected to rediss:\/\/:\*\*\*@127\.0\.0\.1:6393/)
    const b = cli(['worker', '--redis', redis.url])
    expect(await run.exited).toBe(0)
    const result = JSON.parse(run.out()) as { agentSteps: number; rounds: unknown[] }
    expect(result.agentSteps).toBe(3000)
    expect(result.rounds).toHaveLength(1)
    // The password appears nowhere: not in output, logs or the database.
    for (const text of [run.out(), run.err(), a.err(), readFileSync(db).toString('latin1')]) expect(text).not.toContain('w0rd')

    b.proc.kill('SIGTERM')
    expect(await b.exited).toBe(0)
  })

  it('SIGINT twice: the worker exits at once and another takes its job over', { timeout: 120_000 }, async () => {
    const c = cli(['worker', '--redis', redis.url, '--lock-duration', '2000', '--stalled-interval', '500'])
    await c.waitFor(/waiting for shard jobs/)
    const { config } = await buildRunConfig('feed', { agents: 5000, rounds: 1 })
    const done = launchRun(config, { db: join(dir, 'b.db'), threads: 0, shards: 1, executor: (cfg) => bullmqExecutor({ redis: redis.url, redisOptions: { tls: { ca: readFileSync(cert) } }, config: cfg }) })
    await c.waitFor(/start shard 0 of round 0/)
    c.proc.kill('SIGINT')
    await c.waitFor(/SIGINT: finishing the jobs in hand/)
    c.proc.kill('SIGINT')
    expect(await c.exited).toBe(130)
    expect(c.err()).toMatch(/SIGINT again: exiting now/)
    expect(c.err()).not.toMatch(/done shard/)
    const d = cli(['worker', '--redis', redis.url, '--lock-duration', '2000', '--stalled-interval', '500'])
    const result = await done
    expect(result.agentSteps).toBe(5000)
    await d.waitFor(/done shard 0 of round 0/)
    d.proc.kill('SIGTERM')
    expect(await d.exited).toBe(0)
  })

  it('a bad --redis URL is a usage error that does not echo the password', async () => {
    const r = cli(['run', 'feed', '--agents', '10', '--db', join(dir, 'c.db'), '--redis', 'http://:hunter2@host'])
    expect(await r.exited).toBe(2)
    expect(r.err()).toMatch(/usersim: USAGE: --redis must start with redis:\/\/ or rediss:\/\//)
    expect(r.err()).not.toContain('hunter2')
  })
})
