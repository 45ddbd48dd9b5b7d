import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { simulate } from '../../src/index.ts'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { RunStore } from '../../src/store/index.ts'
import { tempDir } from '../helpers/cli.ts'

describe('simulate() from a script', () => {
  let server: OpenAiTestServer
  const dir = tempDir('usersim-sim-')
  beforeAll(async () => {
    process.env.OPENAI_API_KEY ??= 'test-key'
    server = await startOpenAiTestServer({ models: ['m'], latencyMs: 2 })
  })
  afterAll(() => server.close())

  it('runs on a model with the settings the CLI flags make, with the same features (checkpoints, model-call accounting)', async () => {
    const db = join(dir, 'llm.db')
    const result = await simulate('feed', { agents: 30, rounds: 2, catalogSize: 200, seed: 3, db, llm: { backend: 'openai', model: 'm', endpoints: [{ url: server.url, concurrency: 8 }] } })
    expect(result.rounds).toHaveLength(2)
    expect(server.stats.requests).toBeGreaterThan(result.agentSteps)
    const store = new RunStore(db, { readonly: true })
    try {
      const run = store.getRun(result.runId)
      // Parsed once with defaults filled: typed settings are what the run stored.
      expect(run.config.llm).toMatchObject({ backend: 'openai', model: 'm', endpoints: [{ url: server.url, concurrency: 8 }], temperature: 0, cacheFile: db })
      expect(store.db.prepare('SELECT count(*) FROM llm_calls WHERE run_key = ?').pluck().get(store.runKey(result.runId))).toBeGreaterThan(0)
      expect(store.db.prepare('SELECT count(*) FROM checkpoints WHERE run_id = ?').pluck().get(result.runId)).toBe(2)
    } finally {
      store.close()
    }
  }, 60_000)

  it('refuses bad model settings before any run is created, naming the field', async () => {
    const db = join(dir, 'bad.db')
    await expect(simulate('feed', { agents: 5, db, llm: { backend: 'openai', model: '', endpoints: [] } })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/model.*endpoints|endpoints.*model/s) })
  })
})
