import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { runCli, tempDir } from '../helpers/cli.ts'

/**
 * A scripted rewriter: every third rewrite re-asks the genre, every third one gives no way
 * forward, the rest recommend the first search result by its title. The bad ones must be
 * dropped by the rule checks, whatever the model claims.
 */
function scriptedRewrite(content: string, n: number): unknown {
  const m = /\[(\d+)\] "([^"]+)"/.exec(content)
  if (n % 3 === 0 || !m) return { reason: 'ask again', refinement: { action: 'ask', slot: 'category', text: 'Which genre do you like?' } }
  if (n % 3 === 1) return { reason: 'be nicer', refinement: { action: 'respond', text: 'I am sure you will find something you love.' } }
  return { reason: 'recommend a result', refinement: { action: 'recommend', item: Number(m[1]), text: `You might enjoy "${m[2]}".` } }
}

// ECPO's rewrite step on a model: `export --format dpo --llm openai` sends the rewrite task to the server.
describe('usersim export --format dpo with a model rewriter', () => {
  let server: OpenAiTestServer
  let scripted: OpenAiTestServer
  const dir = tempDir()
  const db = join(dir, 'crs.db')
  let runId = ''
  beforeAll(async () => {
    server = await startOpenAiTestServer({ models: ['rewriter'], latencyMs: 2 })
    let rewrites = 0
    scripted = await startOpenAiTestServer({
      models: ['scripted'],
      latencyMs: 1,
      answer: (req) => {
        const user = req.messages.filter((m) => m.role === 'user').at(-1)?.content ?? ''
        return req.messages[0]?.content.includes('You improve one turn') ? { json: scriptedRewrite(user, rewrites++) } : undefined
      },
    })
    const run = await runCli(['run', 'conversational', '--agents', '80', '--db', db, '--json'])
    expect(run.code).toBe(0)
    runId = JSON.parse(run.stdout).runId as string
  })
  afterAll(async () => {
    await server?.close()
    await scripted?.close()
  })

  it('sends rewrites to the model; a model whose rewrites all fail verification gets no pairs, and is told why', async () => {
    // The default mock answers a schema-shaped sample: valid JSON, but not a turn the user prefers.
    const out = join(dir, 'dpo')
    const r = await runCli(['export', runId, '--db', db, '--format', 'dpo', '--out', out, '--llm', 'openai', '--model', 'rewriter', '--base-url', server.url, '--json'])
    expect(server.stats.requests).toBeGreaterThan(0)
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/NO_DATA.*kept 0, dropped \d+ \(rule:/)
    expect(existsSync(out)).toBe(false)
  })

  it('drops deliberately bad rewrites: rule breakers and rewrites the rater does not prefer (issue 23)', async () => {
    const out = join(dir, 'dpo-scripted')
    const r = await runCli(['export', runId, '--db', db, '--format', 'dpo', '--out', out, '--llm', 'openai', '--model', 'scripted', '--base-url', scripted.url, '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const res = JSON.parse(r.stdout) as { records: number; summary: { below_lambda: number; kept: number; dropped: Record<string, number>; mean_gain: number } }
    const s = res.summary
    // Every bad rewrite is caught: a third give no way forward, and re-asking the genre once it is known breaks a rule.
    expect(s.dropped['rule:no-way-forward']).toBeGreaterThanOrEqual(Math.floor(s.below_lambda / 3) - 1)
    expect(s.dropped['rule:reasks-known-slot'] ?? 0).toBeGreaterThan(0)
    expect(s.kept + Object.values(s.dropped).reduce((a, b) => a + b, 0)).toBe(s.below_lambda)
    expect(s.kept).toBe(res.records)
    const rows = [join(out, 'train.jsonl'), join(out, 'validation.jsonl')].flatMap((f) => readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)))
    for (const row of rows) {
      expect(row.meta.gain).toBeGreaterThan(0)
      expect(row.meta.chosen_scores.strategy).toBeGreaterThanOrEqual(row.meta.rejected_scores.strategy)
      expect(['ask', 'recommend']).toContain(row.meta.chosen_action)
      expect(row.meta.rewriter_model).toBe('scripted')
    }
    process.stdout.write(`scripted rewriter: ${JSON.stringify(s)}\n`)
  })
})
