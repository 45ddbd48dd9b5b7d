import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { runCli, tempDir } from '../helpers/cli.ts'

describe('usersim run search / shop, export --format impressions (CLI)', () => {
  const dir = tempDir('usersim-search-cli-')
  const db = join(dir, 's.db')
  let server: OpenAiTestServer
  beforeAll(async () => {
    server = await startOpenAiTestServer({ models: ['m'], latencyMs: 2 })
  })
  afterAll(async () => {
    await server.close()
  })

  it('runs search on the surrogate with bm25 and bm25-bpr, and exports the impression log', async () => {
    const run = await runCli(['run', 'search', '--agents', '200', '--rounds', '3', '--catalog', '400', '--policy', 'bm25-bpr', '--set', 'policy.anchors=0.5', '--db', db, '--json'])
    expect(run.code, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    expect(out.summary.searches).toBeGreaterThan(0)
    expect(out.summary.badQueryRate).toBeGreaterThan(0)
    expect(out.summary.badQueryRate).toBeLessThan(1)
    expect(out.summary.gmv).toBeGreaterThan(0)
    const exp = await runCli(['export', out.runId, '--format', 'impressions', '--out', join(dir, 'imp'), '--db', db])
    expect(exp.code, exp.stderr).toBe(0)
    for (const f of ['impressions.jsonl', 'funnel.csv', 'items.csv', 'card.json', 'README.md']) expect(existsSync(join(dir, 'imp', f))).toBe(true)
    const card = JSON.parse(readFileSync(join(dir, 'imp', 'card.json'), 'utf8'))
    expect(card.searches).toBe(out.summary.searches)
    const first = JSON.parse(readFileSync(join(dir, 'imp', 'impressions.jsonl'), 'utf8').split('\n')[0]!)
    expect(Object.keys(first)).toEqual(['request_id', 'run_id', 'ts', 'user_id', 'query', 'reformulation', 'history', 'anchors', 'items', 'positions', 'exposed', 'clicked', 'carted', 'ordered'])

    const table = await runCli(['run', 'search', '--agents', '100', '--rounds', '2', '--catalog', '300', '--db', db])
    expect(table.code, table.stderr).toBe(0)
    for (const h of ['cart', 'conv.', 'GMV', 'reform.', 'bad q.', 'reformulation rate', 'bad-query rate']) expect(table.stdout).toContain(h)
  }, 180_000)

  it('runs search and shop on a model server: queries and purchase decisions are model calls', async () => {
    for (const scenario of ['search', 'shop']) {
      const run = await runCli(['run', scenario, '--agents', '30', '--rounds', '2', '--catalog', '300', '--llm', 'openai', '--model', 'm', '--base-url', server.url, '--db', db, '--json'])
      expect(run.code, run.stderr).toBe(0)
      const out = JSON.parse(run.stdout)
      const d = new Database(db, { readonly: true })
      try {
        const tasks = (d.prepare('SELECT DISTINCT task FROM llm_calls WHERE run_key = (SELECT key FROM runs WHERE id = ?)').pluck().all(out.runId) as string[]).sort()
        expect(tasks).toContain('decide-purchase')
        if (scenario === 'search') {
          expect(tasks).toContain('write-query')
          const queries = d.prepare("SELECT count(*) FROM events WHERE run_key = (SELECT key FROM runs WHERE id = ?) AND query != ''").pluck().get(out.runId) as number
          expect(queries).toBe(out.summary.searches)
        }
      } finally {
        d.close()
      }
    }
  }, 180_000)
})
