import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineTask, type TaskCallMeta } from '../../src/core/index.ts'
import { createMixedRunner } from '../../src/llm/mixed-runner.ts'
import { limitsShare, openAiSettingsSchema } from '../../src/llm/settings.ts'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { simulate } from '../../src/simulate.ts'
import { tempDir } from '../helpers/cli.ts'

const rate = defineTask({
  name: 'rate-item',
  version: 1,
  input: z.object({ title: z.string() }),
  output: z.object({ rating: z.number().int().min(1).max(5) }),
  prompt: (i) => [{ role: 'user', content: `Rate ${i.title} 1-5 as JSON.` }],
  surrogate: () => ({ rating: 3 }),
})

const servers: OpenAiTestServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

describe('mixed-model runner', () => {
  it("sends each agent's calls to its model on that model's endpoints, in any shard order", async () => {
    const shared = await startOpenAiTestServer({ models: ['a'] })
    const own = await startOpenAiTestServer({ models: ['b'] })
    servers.push(shared, own)
    const assignment = [0, 1, 1, 0, 1, 0, 0, 1]
    const settings = openAiSettingsSchema.parse({
      backend: 'openai',
      model: 'a',
      endpoints: [{ url: shared.url, concurrency: 8 }],
      modelEndpoints: { b: [{ url: own.url, concurrency: 8 }] },
      agentModels: { models: [{ model: 'a', share: 1 }, { model: 'b', share: 1 }], assignment },
      cache: false,
    })
    const runner = createMixedRunner(settings)
    const meta = (agent: number): TaskCallMeta => ({ runSeed: 1, agent, round: 0, call: 0 })
    // Two shards on forks, their agents in opposite orders.
    const s1 = runner.fork!()
    const s2 = runner.fork!()
    await Promise.all([...[6, 4, 2, 0].map((a) => s1.run(rate, { title: `t${a}` }, meta(a))), ...[1, 3, 5, 7].map((a) => s2.run(rate, { title: `t${a}` }, meta(a)))])
    const recs = [...s1.drain(), ...s2.drain()]
    expect(recs).toHaveLength(8)
    for (const r of recs) {
      expect(r.outcome).toBe('ok')
      expect(r.model).toBe(assignment[r.agent] === 1 ? 'b' : 'a')
      expect(r.endpoint).toBe(assignment[r.agent] === 1 ? own.url : shared.url)
    }
    expect(shared.requests.map((q) => q.model)).toEqual(['a', 'a', 'a', 'a'])
    expect(own.requests.map((q) => q.model)).toEqual(['b', 'b', 'b', 'b'])
    expect(runner.limits().size).toBe(2)
    await runner.close()
  })

  it("splits each model's own endpoints over threads, like the shared ones", () => {
    const settings = openAiSettingsSchema.parse({
      backend: 'openai',
      model: 'a',
      endpoints: [{ url: 'http://127.0.0.1:1/v1', concurrency: 10 }],
      modelEndpoints: { b: [{ url: 'http://127.0.0.1:2/v1', concurrency: 5 }] },
      agentModels: { models: [{ model: 'a', share: 1 }, { model: 'b', share: 1 }] },
    })
    const parts = [0, 1, 2].map((i) => limitsShare(settings, 3, i))
    expect(parts.map((p) => p.modelEndpoints.b![0]!.concurrency).reduce((x, y) => x + y)).toBe(5)
    expect(parts.map((p) => p.endpoints[0]!.concurrency).reduce((x, y) => x + y)).toBe(10)
  })

  it("simulate() takes the population's models in its LLM settings and stores the assignment", async () => {
    const s = await startOpenAiTestServer({ models: ['a', 'b'] })
    servers.push(s)
    const db = join(tempDir('usersim-mixed-'), 'sim.db')
    const result = await simulate('feed', {
      db,
      agents: 30,
      rounds: 1,
      catalogSize: 200,
      llm: { backend: 'openai', model: 'a', endpoints: [{ url: s.url, concurrency: 16 }], agentModels: { models: [{ model: 'a', share: 2 }, { model: 'b', share: 1 }] } },
    })
    const d = new Database(db, { readonly: true })
    try {
      const { config } = d.prepare('SELECT config FROM runs WHERE id = ?').get(result.runId) as { config: string }
      const assignment = JSON.parse(config).llm.agentModels.assignment as number[]
      expect(assignment.filter((m) => m === 1)).toHaveLength(10)
      const calls = d.prepare('SELECT DISTINCT agent_id AS agent, model FROM llm_calls').all() as Array<{ agent: number; model: string }>
      expect(new Set(calls.map((c) => c.model))).toEqual(new Set(['a', 'b']))
      for (const c of calls) expect(c.model).toBe(assignment[c.agent] === 1 ? 'b' : 'a')
    } finally {
      d.close()
    }
  })
})
