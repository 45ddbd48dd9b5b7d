import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decideContinueOutput } from '../../agents/users/ailo/tasks/decide-continue.ts'
import { evaluateSlateOutput } from '../../agents/users/ailo/tasks/evaluate-slate.ts'
import { writeUtteranceOutput } from '../../agents/users/ailo/tasks/write-utterance.ts'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { runCli, tempDir } from '../helpers/cli.ts'

const SCHEMAS: Record<string, { safeParse(v: unknown): { success: boolean } }> = {
  'evaluate-slate': evaluateSlateOutput,
  'decide-continue': decideContinueOutput,
  'write-utterance': writeUtteranceOutput,
}

describe('usersim run --llm openai (CLI against the OpenAI test server)', () => {
  let server: OpenAiTestServer
  const dir = tempDir('usersim-llm-')
  const db = join(dir, 'llm.db')
  const runArgs = (extra: string[] = []) => ['run', 'feed', '--agents', '50', '--rounds', '2', '--catalog', '300', '--llm', 'openai', '--model', 'm', '--base-url', server.url, '--db', db, '--json', ...extra]
  const rows = (sql: string, ...args: unknown[]) => {
    const d = new Database(db, { readonly: true })
    try {
      return d.prepare(sql).all(...args) as Record<string, unknown>[]
    } finally {
      d.close()
    }
  }

  beforeAll(async () => {
    server = await startOpenAiTestServer({ models: ['m'], latencyMs: 5 })
  })
  afterAll(async () => {
    await server.close()
  })

  it('completes with every task output valid, accounts for it, and a rerun is served from the cache', async () => {
    const run = await runCli(runArgs())
    expect(run.code, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    expect(out.agentSteps).toBeGreaterThan(50)
    expect(out.config.llm).toMatchObject({ backend: 'openai', model: 'm' })
    expect(JSON.stringify(out.config)).not.toMatch(/OPENAI_API_KEY|sk-/)

    const calls = rows('SELECT task, outcome, output, prompt_tokens FROM llm_calls WHERE run_key = (SELECT key FROM runs WHERE id = ?)', out.runId)
    expect(calls.length).toBeGreaterThan(out.agentSteps)
    expect(server.stats.ok).toBe(calls.length)
    for (const c of calls) {
      expect(c.outcome).toBe('ok')
      expect(c.prompt_tokens).toBeGreaterThan(0)
      const schema = SCHEMAS[c.task as string]
      if (schema) expect(schema.safeParse(JSON.parse(c.output as string)).success).toBe(true)
    }
    // Clicks refer to items on the slate (the server's default answers pick ids from the prompt).
    expect(out.summary.clicks).toBeGreaterThan(0)

    const show = await runCli(['show', out.runId, '--db', db, '--json'])
    expect(show.code, show.stderr).toBe(0)
    const usage = JSON.parse(show.stdout).llmUsage as Array<{ task: string; calls: number; promptTokens: number; latencyMs: { p50: number } }>
    expect(usage.map((u) => u.task)).toEqual(expect.arrayContaining(['decide-continue', 'evaluate-slate']))
    expect(usage.find((u) => u.task === 'evaluate-slate')!.promptTokens).toBeGreaterThan(0)

    const before = server.stats.requests
    const again = await runCli(runArgs())
    expect(again.code, again.stderr).toBe(0)
    const second = JSON.parse(again.stdout)
    expect(server.stats.requests).toBe(before)
    expect(second.rounds).toEqual(out.rounds)
    const outcomes = rows('SELECT DISTINCT outcome FROM llm_calls WHERE run_key = (SELECT key FROM runs WHERE id = ?)', second.runId)
    expect(outcomes).toEqual([{ outcome: 'cached' }])

    const fresh = await runCli(runArgs(['--no-cache', '--rounds', '1', '--agents', '10', '--log-prompts', 'none']))
    expect(fresh.code, fresh.stderr).toBe(0)
    expect(server.stats.requests).toBeGreaterThan(before)
    const kept = rows('SELECT count(prompt) AS p, count(*) AS n FROM llm_calls WHERE run_key = (SELECT key FROM runs WHERE id = ?)', JSON.parse(fresh.stdout).runId)
    expect(kept[0]).toMatchObject({ p: 0 })
  })

  it('preflight: a wrong model or an unreachable server is reported and no run is created', async () => {
    const runsBefore = rows('SELECT count(*) AS n FROM runs')[0]!.n
    const wrong = await runCli(['run', 'feed', '--agents', '10', '--rounds', '1', '--llm', 'openai', '--model', 'nope', '--base-url', server.url, '--db', db])
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/LLM_MODEL_NOT_FOUND: .* does not serve model "nope" \(it serves: m\)/)
    const gone = await startOpenAiTestServer()
    await gone.close()
    const down = await runCli(['run', 'feed', '--agents', '10', '--rounds', '1', '--llm', 'openai', '--model', 'm', '--base-url', gone.url, '--db', db])
    expect(down.code).toBe(1)
    expect(down.stderr).toContain(`LLM_UNAVAILABLE: cannot reach the model server at ${gone.url}`)
    const usage = await runCli(['run', 'feed', '--llm', 'openai', '--base-url', server.url, '--db', db])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toMatch(/--model/)
    expect(rows('SELECT count(*) AS n FROM runs')[0]!.n).toBe(runsBefore)
  })

  it('a key the server refuses mid-run stops the run with LLM_AUTH', async () => {
    const flaky = await startOpenAiTestServer({ models: ['m'], answer: (_req, n) => (n >= 20 ? { fault: { kind: 'unauthorized' } } : undefined) })
    try {
      const r = await runCli(['run', 'feed', '--agents', '40', '--rounds', '2', '--catalog', '300', '--llm', 'openai', '--model', 'm', '--base-url', flaky.url, '--db', db, '--no-cache'])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/LLM_AUTH: .* refused the API key/)
      expect(flaky.stats.requests).toBeLessThan(80)
      const last = rows("SELECT status FROM runs ORDER BY key DESC LIMIT 1")[0]
      expect(last).toMatchObject({ status: 'failed' })
    } finally {
      await flaky.close()
    }
  })

  it('runs the client on shard threads with the limits shared exactly, and the same results as on one thread', async () => {
    const capped = await startOpenAiTestServer({ models: ['m'], latencyMs: 10 })
    const args = (threads: string, conc: string, file: string) => [
      'run', 'feed', '--agents', '40', '--rounds', '2', '--catalog', '300', '--llm', 'openai', '--model', 'm', '--base-url', capped.url,
      '--llm-concurrency', conc, '--threads', threads, '--no-cache', '--log-prompts', 'none', '--db', join(dir, file), '--json',
    ]
    try {
      const threaded = await runCli(args('2', '3', 'threads.db'))
      expect(threaded.code, threaded.stderr).toBe(0)
      const out = JSON.parse(threaded.stdout)
      // The run keeps its whole limits (a resume on other threads shares them again).
      expect(out.config.llm.endpoints).toEqual([{ url: capped.url, concurrency: 3 }])
      expect(capped.stats.peakOpen).toBeLessThanOrEqual(3)
      capped.reset()
      // One slot cannot be shared: one thread, one request at a time.
      const single = await runCli(args('2', '1', 'single.db'))
      expect(single.code, single.stderr).toBe(0)
      expect(capped.stats.peakOpen).toBe(1)
      expect(JSON.parse(single.stdout).rounds).toEqual(out.rounds)
      // In the main thread two shards run side by side; each stores exactly its own, finished calls.
      capped.reset()
      const lanes = await runCli([...args('0', '3', 'lanes.db'), '--shards', '5'])
      expect(lanes.code, lanes.stderr).toBe(0)
      expect(JSON.parse(lanes.stdout).rounds).toEqual(out.rounds)
      const d = new Database(join(dir, 'lanes.db'), { readonly: true })
      try {
        const calls = d.prepare('SELECT agent_id AS agent, round, task, call, outcome, prompt_tokens, latency_ms FROM llm_calls').all() as Array<Record<string, unknown>>
        expect(calls.length).toBe(capped.stats.ok)
        expect(new Set(calls.map((c) => `${c.agent}:${c.round}:${c.task}:${c.call}`)).size).toBe(calls.length)
        for (const c of calls) expect(c).toMatchObject({ outcome: 'ok', prompt_tokens: expect.any(Number), latency_ms: expect.any(Number) })
      } finally {
        d.close()
      }
    } finally {
      await capped.close()
    }
  })
})
