import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { explanationRecord, paretoRecord } from '../../src/datasets/formats/index.ts'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { runCli, tempDir } from '../helpers/cli.ts'

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown)

describe('usersim run feed --policy recgpt (CLI)', () => {
  const dir = tempDir('usersim-recgpt-cli-')
  const db = join(dir, 'r.db')
  let server: OpenAiTestServer
  beforeAll(async () => {
    server = await startOpenAiTestServer({ models: ['m'], latencyMs: 1 })
  })
  afterAll(async () => {
    await server.close()
  })

  it('runs on the surrogates, shows the judge agreement table, exports explanations and Pareto pairs', async () => {
    const run = await runCli(['run', 'feed', '--policy', 'recgpt', '--agents', '150', '--rounds', '2', '--catalog', '400', '--db', db, '--json'])
    expect(run.code, run.stderr).toBe(0)
    const { runId } = JSON.parse(run.stdout) as { runId: string }

    const show = await runCli(['show', runId, '--db', db])
    expect(show.code, show.stderr).toBe(0)
    expect(show.stdout).toContain('Judge agreement (last round)')
    expect(show.stdout).toMatch(/explanation\s+factuality\s+hidden truth\s+1\s+1/)

    const ex = await runCli(['export', runId, '--db', db, '--format', 'explanations', '--out', join(dir, 'ex'), '--json'])
    expect(ex.code, ex.stderr).toBe(0)
    const rows = lines(join(dir, 'ex', 'explanations.jsonl'))
    expect(rows.length).toBe(JSON.parse(ex.stdout).records)
    for (const r of rows) explanationRecord.parse(r)
    expect(rows.some((r) => (r as { clicked: boolean }).clicked)).toBe(true)
    expect(readFileSync(join(dir, 'ex', 'README.md'), 'utf8')).toContain('aspects')

    const pareto = await runCli(['export', runId, '--db', db, '--format', 'pareto', '--samples', '3', '--out', join(dir, 'pareto'), '--json'])
    expect(pareto.code, pareto.stderr).toBe(0)
    const pairs = lines(join(dir, 'pareto', 'pareto.jsonl')).map((p) => paretoRecord.parse(p))
    expect(pairs.length).toBeGreaterThan(10)
    for (const p of pairs) {
      expect(p.chosen).not.toBe(p.rejected)
      for (const k of ['relevance', 'factuality', 'informativeness', 'persuasiveness', 'clarity'] as const) expect(p.chosen_aspects[k]).toBeGreaterThanOrEqual(p.rejected_aspects[k] - 0.05)
    }
  }, 300_000)

  it('a run without explanations has nothing to export (NO_DATA), and a bad option is refused', async () => {
    const run = await runCli(['run', 'feed', '--policy', 'recgpt', '--set', 'policy.explain=0', '--agents', '60', '--rounds', '1', '--catalog', '300', '--db', db, '--json'])
    expect(run.code, run.stderr).toBe(0)
    const ex = await runCli(['export', JSON.parse(run.stdout).runId, '--db', db, '--format', 'explanations', '--out', join(dir, 'none')])
    expect(ex.code).not.toBe(0)
    expect(ex.stderr).toMatch(/NO_DATA.*no explanations shown/)
    const bad = await runCli(['run', 'feed', '--policy', 'recgpt', '--set', 'policy.judge=maybe', '--agents', '10', '--rounds', '1', '--db', db])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/invalid option for policy "recgpt":\n\s+policy\.judge: /)
  }, 120_000)

  it('runs on a model through the LLM layer (the OpenAI test server), whatever the model answers', async () => {
    const before = server.stats.ok
    const run = await runCli(['run', 'feed', '--policy', 'recgpt', '--agents', '20', '--rounds', '2', '--catalog', '300', '--llm', 'openai', '--model', 'm', '--base-url', server.url, '--db', db, '--json'])
    expect(run.code, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout) as { runId: string; agentSteps: number }
    expect(out.agentSteps).toBeGreaterThan(20)
    // The policy's tasks went to the model too: mining, tags, explanations and the judge.
    const show = await runCli(['show', out.runId, '--db', db, '--json'])
    const tasks = (JSON.parse(show.stdout).llmUsage as Array<{ task: string }>).map((u) => u.task)
    expect(tasks).toEqual(expect.arrayContaining(['recgpt-mine-interests', 'recgpt-explain-items', 'rate-explanations']))
    expect(server.stats.ok - before).toBeGreaterThan(100)
    expect(existsSync(db)).toBe(true)
  }, 300_000)
})
