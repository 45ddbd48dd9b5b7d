import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bullmqExecutor } from '../../src/runner/bullmq/index.ts'
import { buildRunConfig } from '../../src/runner/index.ts'
import { keysUnder, obliterate, REDIS_URL, spawnWorker, stopWorkers, testAddress, type WorkerProc } from '../fixtures/distributed/workers.ts'
import { launchRun } from '../helpers/launch.ts'
import { socialHashes } from '../helpers/social.ts'

// Messages cross workers as they cross shards: through the orchestrator, between rounds.
describe('social layer on BullMQ workers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'usersim-social-'))
  const address = testAddress()
  let workers: WorkerProc[] = []

  beforeAll(async () => {
    workers = [spawnWorker(address), spawnWorker(address)]
    await Promise.all(workers.map((w) => w.waitFor(/waiting for shard jobs/)))
  })
  afterAll(async () => {
    await stopWorkers(workers)
    await obliterate(address)
    rmSync(dir, { recursive: true, force: true })
  })

  it('2 workers (5 shards) store the events and messages of the in-process run, and leave Redis clean', async () => {
    const { config } = await buildRunConfig('social-feed', { agents: 1200, rounds: 3, catalogSize: 600, seed: 9 })
    const local = await launchRun(config, { db: join(dir, 'local.db'), threads: 0, shards: 2 })
    const dist = await launchRun(config, {
      db: join(dir, 'dist.db'),
      threads: 0,
      shards: 5,
      executor: (c) => bullmqExecutor({ redis: REDIS_URL, config: c, address }),
    })
    const a = socialHashes(join(dir, 'local.db'), local.runId)
    const b = socialHashes(join(dir, 'dist.db'), dist.runId)
    expect(a.count).toBeGreaterThan(100)
    expect(b).toEqual(a)
    expect(dist.rounds).toEqual(local.rounds)
    for (const w of workers) expect(w.log()).toMatch(new RegExp(`done shard \\d+ of round [12] .* of run ${dist.runId}`))
    expect((await keysUnder(address.prefix)).filter((k) => k.includes(dist.runId))).toEqual([])
  }, 180_000)
})
