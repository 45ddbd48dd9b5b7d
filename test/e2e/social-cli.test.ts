import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { shareItemOutput } from '../../agents/users/ailo/tasks/share-item.ts'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { runCli, tempDir } from '../helpers/cli.ts'

describe('usersim run social-feed / usersim social', () => {
  const dir = tempDir('usersim-social-')
  const db = join(dir, 'social.db')
  let withFriends = ''
  let without = ''

  beforeAll(async () => {
    const base = ['run', 'social-feed', '--agents', '600', '--rounds', '3', '--catalog', '500', '--seed', '4', '--db', db, '--json']
    const a = await runCli(base)
    expect(a.code, a.stderr).toBe(0)
    withFriends = JSON.parse(a.stdout).runId
    const b = await runCli([...base, '--set', 'social=false'])
    expect(b.code, b.stderr).toBe(0)
    without = JSON.parse(b.stdout).runId
  }, 120_000)

  it('compares runs with and without friends, as a table, as JSON and as an HTML page with cascade charts', async () => {
    const html = join(dir, 'social.html')
    const table = await runCli(['social', `${withFriends},${without}`, '--db', db, '--html', html])
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout).toMatch(/figure\s+popularity\s+popularity, no friends/)
    expect(table.stdout).toMatch(/mean cascade size/)
    expect(readFileSync(html, 'utf8')).toMatch(/<svg[^>]*>.*<rect/s)

    const json = await runCli(['social', `${withFriends},${without}`, '--db', db, '--json'])
    const [on, off] = JSON.parse(json.stdout).runs
    expect(on.messages.total).toBeGreaterThan(50)
    expect(on.cascades.count).toBeGreaterThan(0)
    expect(on.cascades.sizes.reduce((s: number, x: { cascades: number }) => s + x.cascades, 0)).toBe(on.cascades.count)
    expect(on.clicks.fromFriends).toBeGreaterThan(0)
    expect(on.exposure.echoChamber).toBeGreaterThanOrEqual(0)
    expect(off.messages.total).toBe(0)
    expect(off.clicks.fromFriends).toBe(0)
  })

  it('show lists messages per round and kind; export --format messages writes them with a card', async () => {
    const show = await runCli(['show', withFriends, '--db', db, '--json'])
    expect(show.code, show.stderr).toBe(0)
    const messages = JSON.parse(show.stdout).messages as Array<{ round: number; kind: string; messages: number }>
    expect(messages.some((m) => m.kind === 'share' && m.messages > 0)).toBe(true)
    const out = join(dir, 'export')
    const ex = await runCli(['export', withFriends, '--db', db, '--format', 'messages', '--out', out])
    expect(ex.code, ex.stderr).toBe(0)
    const rows = readFileSync(join(out, 'messages.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(rows.length).toBe(messages.reduce((s, m) => s + m.messages, 0))
    expect(rows[0]).toMatchObject({ run_id: withFriends, round: 0, kind: 'share' })
    const none = await runCli(['export', without, '--db', db, '--format', 'messages', '--out', join(dir, 'none')])
    expect(none.code).not.toBe(0)
    expect(none.stderr).toMatch(/has no messages between agents/)
  })

  it('the social-aware policy runs, and a bad parameter or run id is a clear usage error', async () => {
    const r = await runCli(['run', 'social-feed', '--agents', '300', '--rounds', '2', '--catalog', '400', '--policy', 'social', '--set', 'graph=preferential', '--db', db, '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).summary.clicks).toBeGreaterThan(0)
    const bad = await runCli(['run', 'social-feed', '--agents', '10', '--set', 'graph=lattice', '--db', join(dir, 'bad.db')])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/graph/)
    const missing = await runCli(['social', 'no-such-run', '--db', db])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/no run "no-such-run"/)
  }, 60_000)

  it('reads friendships from an edge list (--set edges=FILE)', async () => {
    const edges = join(dir, 'friends.csv')
    const lines = ['source,target']
    for (let a = 0; a < 200; a++) for (let d = 1; d <= 5; d++) lines.push(`${a},${(a + d * 7) % 200}`)
    writeFileSync(edges, lines.join('\n') + '\n')
    const r = await runCli(['run', 'social-feed', '--agents', '200', '--rounds', '2', '--catalog', '300', '--set', `edges=${edges}`, '--db', db, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const s = await runCli(['social', JSON.parse(r.stdout).runId, '--db', db, '--json'])
    expect(JSON.parse(s.stdout).runs[0].messages.total).toBeGreaterThan(0)
  }, 60_000)
})

describe('usersim run social-feed on a model server (the OpenAI test server)', () => {
  let server: OpenAiTestServer
  beforeAll(async () => {
    server = await startOpenAiTestServer({ models: ['m'], latencyMs: 2 })
  })
  afterAll(async () => {
    await server.close()
  })

  it('every task, share-item included, answers in schema and friends share', async () => {
    const dir = tempDir('usersim-social-llm-')
    const db = join(dir, 'llm.db')
    const r = await runCli(['run', 'social-feed', '--agents', '60', '--rounds', '3', '--catalog', '300', '--llm', 'openai', '--model', 'm', '--base-url', server.url, '--db', db, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    const Database = (await import('better-sqlite3')).default
    const d = new Database(db, { readonly: true })
    try {
      const calls = d.prepare("SELECT output FROM llm_calls WHERE task = 'share-item' AND outcome = 'ok'").all() as Array<{ output: string }>
      expect(calls.length).toBeGreaterThan(0)
      for (const c of calls) expect(shareItemOutput.safeParse(JSON.parse(c.output)).success).toBe(true)
      const prompts = d.prepare("SELECT count(*) FROM llm_calls WHERE task = 'evaluate-slate'").pluck().get() as number
      expect(prompts).toBeGreaterThan(60)
    } finally {
      d.close()
    }
    expect(out.summary.clicks).toBeGreaterThan(0)
  }, 120_000)
})
