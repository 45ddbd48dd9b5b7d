import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LlmSettings } from '../../src/llm/create-runner.ts'
import { parseRunConfig } from '../../src/config/index.ts'
import { startOpenAiTestServer, type ChatRequestBody, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { buildRunConfig } from '../../src/runner/index.ts'
import { launchRun } from '../helpers/launch.ts'
import { RunStore } from '../../src/store/index.ts'

const REVIEWED = 'A reviewer flagged this answer'

/** A model that first contradicts itself (1-star ratings, satisfaction 0.95), then answers consistently when told. */
function script(req: ChatRequestBody) {
  const text = req.messages.map((m) => m.content).join('\n')
  if (text.includes('Continue or leave?')) return { json: { decision: 'continue', reason: 'Worth another look.' } }
  const id = /\[id (\d+)\]/.exec(text)
  if (!id) return undefined
  const item = Number(id[1])
  const reflected = req.messages.at(-1)!.content.includes(REVIEWED)
  return reflected
    ? { json: { clicks: [item], ratings: [{ item, rating: 4 }], satisfaction: 0.8, reason: 'Good pick after all.' } }
    : { json: { clicks: [item], ratings: [{ item, rating: 1 }], satisfaction: 0.95, reason: 'Loved it.' } }
}

describe('reflection on a model (OpenAI-compatible test server)', () => {
  let server: OpenAiTestServer
  beforeAll(async () => {
    process.env.OPENAI_API_KEY ??= 'test-key'
    server = await startOpenAiTestServer({ answer: script })
  })
  afterAll(() => server.close())

  it('a bad answer is flagged, sent back with the critique, and the good regenerated answer is what the run keeps', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'usersim-llmref-')), 'llm.db')
    const { config } = await buildRunConfig('feed', { agents: 12, rounds: 1, catalogSize: 200, seed: 4 })
    const llm = { backend: 'openai', model: 'test-model', endpoints: [{ url: server.url, concurrency: 4 }], cache: false } as unknown as LlmSettings
    const result = await launchRun(parseRunConfig({ ...config, llm }), { db, threads: 0 })
    const store = new RunStore(db)
    try {
      const rows = store.db.prepare("SELECT * FROM corrections WHERE run_id = ? AND kind = 'rating-vs-satisfaction'").all(result.runId) as Record<string, string | number>[]
      expect(rows.length).toBe(result.rounds[0]!.present)
      for (const r of rows) {
        expect(r.layer).toBe('agent')
        expect(r.fixed).toBe(1)
        expect(r.attempts).toBe(1)
        expect(JSON.parse(r.before as string)).toMatchObject({ satisfaction: 0.95, ratings: [{ rating: 1 }] })
        expect(JSON.parse(r.after as string)).toMatchObject({ satisfaction: 0.8, ratings: [{ rating: 4 }] })
      }
      // The regeneration request carried the flagged answer and the critique.
      const again = server.requests.filter((q) => q.messages.at(-1)!.content.includes(REVIEWED))
      expect(again.length).toBe(rows.length)
      expect(again[0]!.messages.at(-2)).toMatchObject({ role: 'assistant', content: expect.stringContaining('"satisfaction":0.95') })
      // What the run stored is the corrected behaviour.
      expect(result.rounds[0]!.meanRating).toBe(4)
    } finally {
      store.close()
    }
  }, 60_000)

  it('output layer: a schema repair by the LLM layer is recorded as a correction (bad answer before, repaired after)', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'usersim-llmrep-')), 'llm.db')
    const { config } = await buildRunConfig('feed', { agents: 4, rounds: 1, catalogSize: 200, seed: 4 })
    const llm = { backend: 'openai', model: 'test-model', endpoints: [{ url: server.url, concurrency: 1 }], cache: false } as unknown as LlmSettings
    server.inject({ kind: 'schema-break' })
    const result = await launchRun(parseRunConfig({ ...config, recovery: { critics: 'off' }, llm }), { db, threads: 0 })
    const store = new RunStore(db)
    try {
      const rows = store.db.prepare("SELECT * FROM corrections WHERE run_id = ? AND layer = 'output'").all(result.runId) as Record<string, string | number>[]
      expect(rows).toHaveLength(1)
      expect(rows[0]).toMatchObject({ kind: 'schema-repair', fixed: 1, attempts: 1 })
      expect(rows[0]!.before).not.toBeNull()
      expect(rows[0]!.before).not.toEqual(rows[0]!.after)
      expect(JSON.parse(rows[0]!.prompt as string).some((m: { role: string }) => m.role === 'assistant')).toBe(false)
    } finally {
      store.close()
    }
  }, 60_000)

  it('run layer: a round whose fallback share exceeds the guard is rolled back and the run finishes on the surrogate', async () => {
    const broken = await startOpenAiTestServer({ randomFaults: { rate: 1, kinds: ['malformed'], seed: 1 } })
    try {
      const dir = mkdtempSync(join(tmpdir(), 'usersim-llmguard-'))
      const { config } = await buildRunConfig('feed', { agents: 30, rounds: 2, catalogSize: 200, seed: 9 })
      const llm = { backend: 'openai', model: 'test-model', endpoints: [{ url: broken.url, concurrency: 8 }], cache: false, repairs: 0, attempts: 1 } as unknown as LlmSettings
      const guarded = parseRunConfig({ ...config, recovery: { critics: 'off', guards: { maxFallbackShare: 0.2, fallback: 'surrogate' } }, llm })
      const r = await launchRun(guarded, { db: join(dir, 'g.db'), threads: 0 })
      const clean = await launchRun(parseRunConfig({ ...config, recovery: { critics: 'off' } }), { db: join(dir, 'c.db'), threads: 0 })
      const g = new RunStore(join(dir, 'g.db'))
      const c = new RunStore(join(dir, 'c.db'))
      try {
        const iv = g.db.prepare('SELECT round, guard, action FROM interventions WHERE run_id = ?').all(r.runId)
        expect(iv).toEqual([{ round: 0, guard: 'fallback-share', action: 'rolled back the round and replayed it on the fallback' }])
        expect(g.eventsHash(r.runId)).toBe(c.eventsHash(clean.runId))
        // The model was asked only in the tripped round 0; the replay and round 1 ran on the surrogate.
        const round0Calls = c.db.prepare('SELECT sum(calls) FROM task_counts WHERE run_id = ? AND round = 0').pluck().get(clean.runId)
        expect(broken.stats.requests).toBe(round0Calls)
        expect(g.db.prepare('SELECT count(*) FROM checkpoints WHERE run_id = ? AND round = 1').pluck().get(r.runId)).toBe(1)
      } finally {
        g.close()
        c.close()
      }
    } finally {
      await broken.close()
    }
  }, 60_000)
})
