import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildRunConfig, type RoundLoopHandlers } from '../../src/runner/index.ts'
import { launchRun } from '../helpers/launch.ts'
import { bullmqExecutor } from '../../src/runner/bullmq/index.ts'
import { RunStore } from '../../src/store/index.ts'
import { keysUnder, spawnWorker, stopWorkers, testAddress, type WorkerProc } from '../fixtures/distributed/workers.ts'
import { OwnRedis } from '../fixtures/distributed/own-redis.ts'

// Restarts its own Redis (port 6391, no persistence: every key is lost), never the shared one.
describe('a Redis restart during a distributed run', () => {
  const redis = new OwnRedis(6391)
  const dir = mkdtempSync(join(tmpdir(), 'usersim-restart-'))
  const address = testAddress()
  let workers: WorkerProc[] = []

  beforeAll(async () => {
    await redis.start()
    workers = [spawnWorker(address, [], redis.url), spawnWorker(address, [], redis.url)]
    await Promise.all(workers.map((w) => w.waitFor(/waiting for shard jobs/)))
  })
  afterAll(async () => {
    await stopWorkers(workers)
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  async function run(name: string, on: RoundLoopHandlers, distributed = true, notices: string[] = []) {
    const { config } = await buildRunConfig('feed', { agents: 3000, rounds: 3, seed: 5 })
    const db = join(dir, `${name}.db`)
    const result = await launchRun(config, {
      db,
      threads: 0,
      shards: 6,
      on,
      executor: distributed ? (c) => bullmqExecutor({ redis: redis.url, config: c, address, onNotice: (m) => notices.push(m) }) : undefined,
    })
    const store = new RunStore(db)
    try {
      return { result, hash: store.eventsHash(result.runId) }
    } finally {
      store.close()
    }
  }

  it('between rounds and in the middle of a round: the run completes with the in-process results', async () => {
    const local = await run('local', {}, false)
    const notices: string[] = []
    let restarts = 0
    const d = await run(
      'restart',
      {
        // Between rounds 0 and 1 (the orchestrator awaits this hook).
        'round:committed': async ({ round }) => {
          if (round === 0) {
            await redis.restart()
            restarts++
          }
        },
        // In round 2, once 2 of 6 shards are in: the others' jobs and inputs are lost.
        'shard:committed': ({ round, shardsDone }) => {
          if (round === 2 && shardsDone === 2) void redis.restart().then(() => restarts++)
        },
      },
      true,
      notices,
    )
    expect(restarts).toBe(2)
    expect(d.hash).toBe(local.hash)
    expect(d.result.rounds).toEqual(local.result.rounds)
    expect(notices.some((m) => /vanished from Redis \(restarted\?\); queued again/.test(m))).toBe(true)
    expect((await keysUnder(address.prefix, redis.url)).filter((k) => k.includes(d.result.runId))).toEqual([])
    for (const w of workers) expect(w.proc.exitCode).toBe(null)
  })
})
