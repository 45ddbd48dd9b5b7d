import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Queue } from 'bullmq'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildRunConfig, type RunResult } from '../../src/runner/index.ts'
import { launchRun } from '../helpers/launch.ts'
import { bullmqExecutor, redisConnection } from '../../src/runner/bullmq/index.ts'
import { RunStore } from '../../src/store/index.ts'
import { keysUnder, obliterate, REDIS_URL, spawnWorker, stopWorkers, testAddress, type WorkerProc } from '../fixtures/distributed/workers.ts'

// Same seed, same scenario: in-process, 1 worker and 3 workers (another shard count)
// store the same events and compute the same metrics.
describe('distributed runs give the in-process results', () => {
  const dir = mkdtempSync(join(tmpdir(), 'usersim-dist-'))
  const one = testAddress()
  const three = testAddress()
  let workers: WorkerProc[] = []

  beforeAll(async () => {
    workers = [spawnWorker(one), spawnWorker(three), spawnWorker(three), spawnWorker(three)]
    await Promise.all(workers.map((w) => w.waitFor(/waiting for shard jobs/)))
  })
  afterAll(async () => {
    await stopWorkers(workers)
    await obliterate(one)
    await obliterate(three)
    rmSync(dir, { recursive: true, force: true })
  })

  async function run(name: string, opts: { shards: number; address?: { prefix: string; queue: string }; scenario?: string; agents?: number; policy?: string; policyOptions?: Record<string, unknown> }) {
    const { config } = await buildRunConfig(opts.scenario ?? 'feed', {
      agents: opts.agents ?? 3000, rounds: 3, seed: 7,
      ...(opts.policy ? { policy: opts.policy } : {}), ...(opts.policyOptions ? { policyOptions: opts.policyOptions } : {}),
    })
    const db = join(dir, `${name}.db`)
    const address = opts.address
    const result: RunResult = await launchRun(config, {
      db,
      threads: 0,
      shards: opts.shards,
      executor: address ? (c) => bullmqExecutor({ redis: REDIS_URL, config: c, address }) : undefined,
    })
    const store = new RunStore(db)
    try {
      const events = store.db.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT round * 1000000 + agent_id) AS d FROM events WHERE run_key = ?').get(store.runKey(result.runId)) as { n: number; d: number }
      return { result, hash: store.eventsHash(result.runId), events }
    } finally {
      store.close()
    }
  }

  it('in-process, 1 worker (4 shards) and 3 workers (7 shards) agree, and Redis is left clean', async () => {
    const local = await run('local', { shards: 3 })
    const d1 = await run('one', { shards: 4, address: one })
    const d3 = await run('three', { shards: 7, address: three })

    expect(local.events).toEqual({ n: 9000, d: 9000 })
    for (const d of [d1, d3]) {
      expect(d.events).toEqual({ n: 9000, d: 9000 })
      expect(d.hash).toBe(local.hash)
      expect(d.result.rounds).toEqual(local.result.rounds)
      expect(d.result.summary).toEqual(local.result.summary)
    }
    // All three workers took part in the 3-worker run.
    for (const w of workers.slice(1)) expect(w.log()).toMatch(new RegExp(`done shard \\d+ of round \\d+ .* of run ${d3.result.runId}`))

    // No key of either run is left, and no job in any state: only the queue's own keys.
    for (const [address, d] of [[one, d1], [three, d3]] as const) {
      const keys = await keysUnder(address.prefix)
      expect(keys.filter((k) => k.includes(d.result.runId))).toEqual([])
      const conn = redisConnection(REDIS_URL)
      const q = new Queue(address.queue, { connection: conn, prefix: address.prefix })
      const counts = await q.getJobCounts()
      await q.close()
      conn.disconnect()
      expect(Object.values(counts).every((n) => n === 0)).toBe(true)
    }
  })

  it('search (queries, anchors, the funnel) over workers gives the in-process events', async () => {
    const o = { scenario: 'search', agents: 600, policy: 'bm25-bpr', policyOptions: { anchors: 0.5 } }
    const local = await run('search-local', { ...o, shards: 2 })
    const d3 = await run('search-three', { ...o, shards: 5, address: three })
    expect(local.result.summary.searches).toBeGreaterThan(0)
    expect(local.result.summary.orders).toBeGreaterThan(0)
    expect(d3.hash).toBe(local.hash)
    expect(d3.result.rounds).toEqual(local.result.rounds)
  })
})
