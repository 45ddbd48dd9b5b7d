import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Queue } from 'bullmq'
import { afterEach, describe, expect, it } from 'vitest'
import { buildRunConfig } from '../../src/runner/index.ts'
import { launchRun } from '../helpers/launch.ts'
import { bullmqExecutor, redisConnection } from '../../src/runner/bullmq/index.ts'
import { RunStore } from '../../src/store/index.ts'
import { keysUnder, obliterate, REDIS_URL, ROOT, spawnWorker, stopWorkers, testAddress, type WorkerProc } from '../fixtures/distributed/workers.ts'

const dir = mkdtempSync(join(tmpdir(), 'usersim-faults-'))
let address = testAddress()
let workers: WorkerProc[] = []

afterEach(async () => {
  await stopWorkers(workers)
  workers = []
  await obliterate(address)
  address = testAddress()
})

async function runOn(name: string, scenario: string, o: { agents: number; rounds?: number; shards: number; policy?: string; distributed?: boolean; notices?: string[]; onShard?: (round: number) => void }) {
  const { config } = await buildRunConfig(scenario, { agents: o.agents, rounds: o.rounds ?? 3, seed: 11, policy: o.policy })
  const db = join(dir, `${name}-${Date.now()}.db`)
  const executor = o.distributed === false ? undefined : (c: typeof config) => bullmqExecutor({ redis: REDIS_URL, config: c, address, backoffMs: 100, onNotice: (m) => o.notices?.push(m) })
  const result = await launchRun(config, { db, threads: 0, shards: o.shards, executor, on: { 'shard:committed': ({ round }) => o.onShard?.(round) } })
  const store = new RunStore(db)
  try {
    const key = store.runKey(result.runId)
    const events = store.db.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT round * 1000000 + agent_id) AS d FROM events WHERE run_key = ?').get(key) as { n: number; d: number }
    return { result, hash: store.eventsHash(result.runId), events }
  } finally {
    store.close()
  }
}

describe('distributed faults', () => {
  it('kill -9 of one of two workers mid-round: the run completes, each agent-step once, metrics as undisturbed', async () => {
    workers = [spawnWorker(address), spawnWorker(address)]
    await Promise.all(workers.map((w) => w.waitFor(/waiting for shard jobs/)))
    const [victim, survivor] = workers as [WorkerProc, WorkerProc]
    // Kill the victim as soon as it starts a shard of round 1: it dies holding the job.
    const killed = victim.waitFor(/start shard \d+ of round 1 /, 50_000).then((line) => {
      victim.proc.kill('SIGKILL')
      return /start shard (\d+) of round 1 /.exec(line)![1]!
    })
    const dist = await runOn('kill', 'feed', { agents: 6000, shards: 6 })
    const shard = await killed
    expect(await victim.exited).toBe(null)
    expect(victim.log()).not.toMatch(new RegExp(`done shard ${shard} of round 1 `))
    // The job the victim held was recovered and run by the survivor.
    expect(survivor.log()).toMatch(new RegExp(`done shard ${shard} of round 1 `))

    const local = await runOn('kill-local', 'feed', { agents: 6000, shards: 6, distributed: false })
    expect(dist.events).toEqual({ n: 18000, d: 18000 })
    expect(dist.hash).toBe(local.hash)
    expect(dist.result.rounds).toEqual(local.result.rounds)
    expect((await keysUnder(address.prefix)).filter((k) => k.includes(dist.result.runId))).toEqual([])
  })

  it('a worker started after the orchestrator: the run says none is connected, then completes', async () => {
    const notices: string[] = []
    const late = new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (!notices.length) return
        clearInterval(t)
        workers.push(spawnWorker(address))
        resolve()
      }, 100)
    })
    const d = await runOn('late', 'feed', { agents: 1500, rounds: 2, shards: 3, notices })
    await late
    // Rounds count from 0 in the notice, as in every table.
    expect(notices[0]).toMatch(/waiting for workers: none is connected to redis:\/\/.* \(queue usersim-test-[0-9a-f]+:shards\); 3 shards of round 0 waiting\. Start one with: npx usersim worker/)
    expect(d.events).toEqual({ n: 3000, d: 3000 })
    // The wait (at least the 3 s before the notice) is measured apart, so throughput can leave it out.
    const inv = d.result.invocation
    expect(inv.waitingMs).toBeGreaterThanOrEqual(2500)
    expect(inv.waitingMs).toBeLessThan(inv.durationMs)
  })

  it('a worker whose scenario file differs refuses the job and the run stops saying so', async () => {
    const file = join(dir, 'feed-copy.ts')
    writeFileSync(file, `export { default } from '${ROOT}scenarios/feed/scenario.ts'\n`)
    const notices: string[] = []
    const failing = runOn('mismatch', file, { agents: 1000, rounds: 1, shards: 2, notices })
    // The orchestrator hashed the file when it started; this machine now has another one.
    await new Promise((r) => setTimeout(r, 500))
    appendFileSync(file, '// edited on the worker machine\n')
    workers = [spawnWorker(address)]
    await expect(failing).rejects.toMatchObject({ code: 'SHARD_FAILED', message: expect.stringMatching(/shard \d of round 0 .*failed after 1 attempt on worker .*WORKER_MISMATCH: .* has a different scenario .*feed-copy\.ts/) })
    expect(workers[0]!.log()).not.toMatch(/start shard/)
  })

  // A policy's invalid slate is the policy's error (POLICY_FAILED), which another attempt
  // cannot fix: the job fails at once instead of after 3 tries of the same input.
  it('a shard whose policy returns an invalid slate stops the run at once naming the shard, the policy and the agent, and leaves no keys', async () => {
    workers = [spawnWorker(address)]
    const scenario = join(ROOT, 'test/fixtures/distributed/broken-policy-scenario.ts')
    const failing = runOn('broken', scenario, { agents: 2000, shards: 2, policy: 'broken' })
    await expect(failing).rejects.toMatchObject({
      code: 'SHARD_FAILED',
      message: expect.stringMatching(/^shard 1 of round 1 \(agents 1000–1999\) failed after 1 attempt on worker .*: shard 1 of round 1 .*POLICY_FAILED: policy "broken" for agent 1234 in round 1 returned item id -5, which is not in the catalog/),
    })
    expect((await keysUnder(address.prefix)).filter((k) => k.includes(':run:') || /-\d+-\d+$/.test(k))).toEqual([])
  })

  it('a malformed job payload is refused with a clear reason and the worker carries on', async () => {
    workers = [spawnWorker(address)]
    await workers[0]!.waitFor(/waiting for shard jobs/)
    const conn = redisConnection(REDIS_URL)
    const q = new Queue(address.queue, { connection: conn, prefix: address.prefix })
    try {
      await q.add('shard', { v: 1, runId: 'not a run', round: -1 }, { jobId: 'bad-0-0' })
      let state = ''
      for (let i = 0; i < 100 && state !== 'failed'; i++) {
        await new Promise((r) => setTimeout(r, 100))
        state = await q.getJobState('bad-0-0')
      }
      expect(state).toBe('failed')
      const job = await q.getJob('bad-0-0')
      expect(job!.failedReason).toMatch(/^DATA_INVALID: malformed shard job bad-0-0:/)
      expect(job!.failedReason).toMatch(/runId/)
      expect(job!.failedReason).toMatch(/round/)
      expect(job!.attemptsMade).toBe(1)
    } finally {
      await q.close()
      conn.disconnect()
    }
    // Still serving: a real run goes through the same worker.
    const d = await runOn('after-bad', 'feed', { agents: 800, rounds: 1, shards: 2 })
    expect(d.events).toEqual({ n: 800, d: 800 })
    expect(workers[0]!.proc.exitCode).toBe(null)
  })
})
