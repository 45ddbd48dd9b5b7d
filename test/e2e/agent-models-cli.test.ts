import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { runCli, tempDir } from '../helpers/cli.ts'

describe('usersim run --agent-models (a mixed-model population against the OpenAI test server)', () => {
  let server: OpenAiTestServer
  let own: OpenAiTestServer
  const dir = tempDir('usersim-agent-models-')
  const db = join(dir, 'mixed.db')
  const runArgs = (extra: string[]) => ['run', 'feed', '--agents', '40', '--rounds', '2', '--catalog', '300', '--llm', 'openai', '--base-url', server.url, '--db', db, '--json', ...extra]
  const callModels = (runId: string) => {
    const d = new Database(db, { readonly: true })
    try {
      return d
        .prepare('SELECT agent_id AS agent, model, endpoint, count(*) AS n FROM llm_calls WHERE run_key = (SELECT key FROM runs WHERE id = ?) GROUP BY agent_id, model, endpoint ORDER BY agent_id')
        .all(runId) as Array<{ agent: number; model: string; endpoint: string; n: number }>
    } finally {
      d.close()
    }
  }

  beforeAll(async () => {
    server = await startOpenAiTestServer({ models: ['a', 'b'], latencyMs: 2 })
    own = await startOpenAiTestServer({ models: ['b'], latencyMs: 2 })
  })
  afterAll(async () => {
    await Promise.all([server.close(), own.close()])
  })

  it("each agent's calls go to its model, the same whatever the sharding, and show breaks calls and metrics down by model", async () => {
    const run = await runCli(runArgs(['--agent-models', 'a=0.5,b=0.5', '--no-cache']))
    expect(run.code, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    const assignment = out.config.llm.agentModels.assignment as number[]
    expect(assignment).toHaveLength(40)
    expect(assignment.filter((m) => m === 1)).toHaveLength(20)
    const calls = callModels(out.runId)
    expect(new Set(calls.map((c) => c.model))).toEqual(new Set(['a', 'b']))
    for (const c of calls) expect(c.model).toBe(assignment[c.agent] === 1 ? 'b' : 'a')
    // Every call the server saw named one of the two models, and both got calls.
    const seen = server.requests.map((q) => q.model)
    expect(seen.filter((m) => m === 'a').length).toBeGreaterThan(0)
    expect(seen.filter((m) => m === 'b').length).toBeGreaterThan(0)
    expect(seen.filter((m) => m !== 'a' && m !== 'b')).toEqual([])

    // Other shards and threads: the same agents on the same models.
    const sharded = await runCli(runArgs(['--agent-models', 'a=0.5,b=0.5', '--shards', '3', '--threads', '2']))
    expect(sharded.code, sharded.stderr).toBe(0)
    const again = JSON.parse(sharded.stdout)
    expect(again.config.llm.agentModels.assignment).toEqual(assignment)
    expect(callModels(again.runId).map((c) => [c.agent, c.model])).toEqual(calls.map((c) => [c.agent, c.model]))

    const show = await runCli(['show', out.runId, '--db', db])
    expect(show.code, show.stderr).toBe(0)
    expect(show.stdout).toContain('LLM usage by model')
    expect(show.stdout).toContain('Metrics by model group (--agent-models)')
    // Each model's own adaptive limit on the endpoint they share.
    expect(show.stdout).toMatch(/127\.0\.0\.1:\d+\/v1 \(b\)/)
    const json = JSON.parse((await runCli(['show', out.runId, '--db', db, '--json'])).stdout)
    const byModel = json.llmModels as Array<{ model: string; agents: number; calls: number }>
    expect(byModel.map((m) => m.model)).toEqual(['a', 'b'])
    for (const m of byModel) expect(m.calls).toBe(calls.filter((c) => c.model === m.model).reduce((n, c) => n + c.n, 0))
    const groups = json.modelGroups as Array<{ round: number | null; model: string; agents: number; ctr: number }>
    const pooled = groups.filter((g) => g.round === null)
    expect(pooled.map((g) => g.model)).toEqual(['a', 'b'])
    expect(groups.filter((g) => g.round === 0).reduce((n, g) => n + g.agents, 0)).toBe(40)
  })

  it('--model-endpoint gives a model its own server; bad lists are refused before a run exists', async () => {
    const before = own.stats.requests
    const run = await runCli(runArgs(['--agent-models', 'a=3,b=1', '--model-endpoint', `b=${own.url}`, '--no-cache', '--rounds', '1']))
    expect(run.code, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    const calls = callModels(out.runId)
    for (const c of calls) expect(c.endpoint).toBe(c.model === 'b' ? own.url : server.url)
    expect(own.stats.requests).toBeGreaterThan(before)
    expect(out.config.llm.agentModels.assignment.filter((m: number) => m === 1)).toHaveLength(10)

    const bad = await runCli(runArgs(['--agent-models', 'a=0.5,b']))
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/--agent-models: expected model=share/)
    const stray = await runCli(runArgs(['--agent-models', 'a=1', '--model-endpoint', `c=${own.url}`]))
    expect(stray.code).not.toBe(0)
    expect(stray.stderr).toMatch(/"c", which is not one of --agent-models/)
    const missing = await runCli(runArgs(['--agent-models', 'a=1,zz=1']))
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toMatch(/zz/)
  })
})
