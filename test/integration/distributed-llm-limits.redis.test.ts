import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { buildRunConfig } from '../../src/runner/index.ts'
import { launchRun } from '../helpers/launch.ts'
import { bullmqExecutor } from '../../src/runner/bullmq/index.ts'
import { openAiSettingsSchema } from '../../src/llm/settings.ts'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { obliterate, REDIS_URL, spawnWorker, stopWorkers, testAddress, type WorkerProc } from '../fixtures/distributed/workers.ts'

// Two worker processes, each running two shards at once with eight agents in flight per
// shard, could send 32 requests at once; the endpoint allows 4, and Redis holds them to it.
describe('LLM limits hold across workers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'usersim-llm-dist-'))
  const address = testAddress()
  let workers: WorkerProc[] = []
  let server: OpenAiTestServer | undefined

  afterEach(async () => {
    await stopWorkers(workers)
    await server?.close()
    await obliterate(address)
    rmSync(dir, { recursive: true, force: true })
  })

  it('the model server never sees more requests at once than the endpoint concurrency', async () => {
    server = await startOpenAiTestServer({ latencyMs: 40, keepRequests: false })
    workers = [spawnWorker(address, ['--concurrency', '2']), spawnWorker(address, ['--concurrency', '2'])]
    await Promise.all(workers.map((w) => w.waitFor(/waiting for shard jobs/)))
    const llm = openAiSettingsSchema.parse({ backend: 'openai', model: 'test-model', endpoints: [{ url: server.url, concurrency: 4 }], cache: false, logPrompts: 'none' })
    const { config } = await buildRunConfig('feed', { agents: 120, rounds: 1 })
    config.llm = llm
    const result = await launchRun(config, {
      db: join(dir, 'llm.db'),
      threads: 0,
      shards: 4,
      executor: (c) => bullmqExecutor({ redis: REDIS_URL, config: c, address, concurrency: 8 }),
    })
    expect(result.agentSteps).toBe(120)
    expect(server.stats.requests).toBeGreaterThan(100)
    expect(server.stats.peakOpen).toBeLessThanOrEqual(4)
    // Both workers took part, so the cap held across processes, not within one.
    for (const w of workers) expect(w.log()).toMatch(/done shard/)
  })
})
