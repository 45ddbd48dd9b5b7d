import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_ADDRESS } from '../../src/runner/bullmq/keys.ts'
import { OwnRedis } from '../fixtures/distributed/own-redis.ts'
import { spawnWorker, stopWorkers, type WorkerProc } from '../fixtures/distributed/workers.ts'
import { runCli, tempDir } from '../helpers/cli.ts'
import { socialHashes } from '../helpers/social.ts'

// `usersim run social-feed --redis` with two `usersim worker` processes, on a private Redis
// (the CLI uses the default queue address, which the shared Redis must not see).
describe('usersim run social-feed --redis', () => {
  const redis = new OwnRedis(6417)
  let workers: WorkerProc[] = []
  beforeAll(async () => {
    await redis.start()
    workers = [spawnWorker(DEFAULT_ADDRESS, [], redis.url), spawnWorker(DEFAULT_ADDRESS, [], redis.url)]
    await Promise.all(workers.map((w) => w.waitFor(/waiting for shard jobs/)))
  }, 60_000)
  afterAll(async () => {
    await stopWorkers(workers)
    await redis.stop()
  })

  it('on 2 workers stores the events and messages of the in-process run', async () => {
    const dir = tempDir('usersim-social-redis-')
    const args = ['run', 'social-feed', '--agents', '900', '--rounds', '3', '--catalog', '500', '--seed', '6', '--json']
    const local = await runCli([...args, '--db', join(dir, 'local.db'), '--threads', '0'])
    expect(local.code, local.stderr).toBe(0)
    const dist = await runCli([...args, '--db', join(dir, 'dist.db'), '--redis', redis.url, '--shards', '4'])
    expect(dist.code, dist.stderr).toBe(0)
    const a = socialHashes(join(dir, 'local.db'), JSON.parse(local.stdout).runId)
    const b = socialHashes(join(dir, 'dist.db'), JSON.parse(dist.stdout).runId)
    expect(a.count).toBeGreaterThan(50)
    expect(b).toEqual(a)
    for (const w of workers) expect(w.log()).toMatch(/done shard \d+ of round [12]/)
  }, 180_000)
})
