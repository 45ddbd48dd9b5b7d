import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnWorker, stopWorkers, type WorkerProc } from '../fixtures/distributed/workers.ts'
import { cli, eventsHash, onlyRunId, runAndKillAt, tempDir } from '../helpers/checkpoint-cli.ts'

// A logical Redis database of its own: the CLI uses the default queue address, and this
// test must not meet other tests' workers or jobs.
const REDIS = `${process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'}/11`.replace(/(\/\d+)\/11$/, '/11')
const RUN = ['run', 'feed', '--agents', '600', '--rounds', '4', '--catalog', '400', '--seed', '13', '--shards', '3']

describe('kill -9 of a distributed (BullMQ) orchestrator, then resume', () => {
  const dir = tempDir()
  let workers: WorkerProc[] = []

  beforeAll(async () => {
    workers = [spawnWorker({ prefix: 'usersim', queue: 'shards' }, [], REDIS)]
    await Promise.all(workers.map((w) => w.waitFor(/waiting for shard jobs/)))
  }, 60_000)
  afterAll(async () => {
    await stopWorkers(workers)
  })

  it('mid-round with jobs in flight: stale jobs are dropped and the resumed run equals the in-process one', async () => {
    const base = join(dir, 'local.db')
    const local = await cli([...RUN, '--threads', '0', '--db', base, '--json'])
    expect(local.code, local.stderr).toBe(0)
    const baseline = JSON.parse(local.stdout)

    const db = join(dir, 'dist.db')
    await runAndKillAt([...RUN, '--redis', REDIS, '--db', db, '--json'], 'shard:1:1', dir)
    const runId = onlyRunId(db)
    // A fresh worker: others edit this working tree while tests run, and a worker refuses
    // jobs from code that differs from its own (its code hash is taken at start).
    await stopWorkers(workers)
    workers = [spawnWorker({ prefix: 'usersim', queue: 'shards' }, [], REDIS)]
    await workers[0]!.waitFor(/waiting for shard jobs/)
    const r = await cli(['resume', runId, '--db', db, '--redis', REDIS, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const resumed = JSON.parse(r.stdout)
    expect(resumed.rounds).toEqual(baseline.rounds)
    expect(resumed.summary).toEqual(baseline.summary)
    expect(eventsHash(db, runId)).toBe(eventsHash(base, baseline.runId))
  }, 120_000)
})
