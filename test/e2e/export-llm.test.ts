import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { runCli, tempDir } from '../helpers/cli.ts'

// ECPO's rewrite step on a model: `export --format dpo --llm openai` sends the rewrite task to the server.
describe('usersim export --format dpo with a model rewriter', () => {
  let server: OpenAiTestServer
  const dir = tempDir()
  const db = join(dir, 'crs.db')
  beforeAll(async () => {
    server = await startOpenAiTestServer({ models: ['rewriter'], latencyMs: 2 })
  })
  afterAll(async () => server?.close())

  it('rewrites low-scored turns through the model and records its name in every pair', async () => {
    const run = await runCli(['run', 'conversational', '--agents', '80', '--db', db, '--json'])
    expect(run.code).toBe(0)
    const runId = JSON.parse(run.stdout).runId as string
    const out = join(dir, 'dpo')
    const r = await runCli(['export', runId, '--db', db, '--format', 'dpo', '--out', out, '--llm', 'openai', '--model', 'rewriter', '--base-url', server.url, '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const res = JSON.parse(r.stdout)
    expect(res.records).toBeGreaterThan(0)
    expect(server.stats.requests).toBeGreaterThan(0)
    const rows = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    for (const row of rows) expect(row.meta.rewriter_model).toBe('rewriter')
  })
})
