import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { runCli, tempDir } from '../helpers/cli.ts'

const SECRET = 'sk-secret-456'

/** Every file under a directory (the database, its WAL and shared memory, the report, the exports). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? filesUnder(p) : [p]
  })
}

describe('credentials in --base-url are used, never stored or shown', () => {
  let server: OpenAiTestServer
  const dir = tempDir('usersim-secret-')
  // No key in the environment: the one in the URL is what the server must see.
  const env = { OPENAI_API_KEY: '' }
  let said = ''

  beforeAll(async () => {
    server = await startOpenAiTestServer({ latencyMs: 1, apiKey: SECRET, tokens: 'estimate' })
  })
  afterAll(() => server.close())

  it('a run on http://apikey:KEY@host/v1 authenticates with KEY, and no file or output holds it', { timeout: 240_000 }, async () => {
    const db = join(dir, 'runs.db')
    const base = server.url.replace('http://', `http://apikey:${SECRET}@`)
    const run = await runCli(['run', 'feed', '--agents', '20', '--rounds', '2', '--catalog', '100', '--threads', '1', '--llm', 'openai', '--model', 'test-model', '--base-url', base, '--db', db, '--json'], { env })
    said += run.stdout + run.stderr
    expect(run.code, run.stderr).toBe(0)
    expect(server.stats.ok).toBeGreaterThan(0)
    const { runId, config } = JSON.parse(run.stdout) as { runId: string; config: { llm: { endpoints: { url: string }[] } } }
    expect(config.llm.endpoints[0]!.url).toBe(server.url)

    for (const args of [
      ['show', runId, '--db', db],
      ['show', runId, '--db', db, '--json'],
      ['runs', '--db', db, '--json'],
      ['report', runId, '--db', db, '--out', join(dir, 'report.html')],
      ['export', runId, '--db', db, '--format', 'events', '--out', join(dir, 'events')],
    ]) {
      const r = await runCli(args, { env })
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(0)
      said += r.stdout + r.stderr
    }
    expect(said).not.toContain(SECRET)
    const files = filesUnder(dir)
    expect(files.some((f) => f.endsWith('report.html'))).toBe(true)
    for (const f of files) expect(readFileSync(f).includes(SECRET), f).toBe(false)
  })

  it('a server that cannot be reached is named without the credentials', { timeout: 60_000 }, async () => {
    const r = await runCli(['run', 'feed', '--agents', '5', '--rounds', '1', '--llm', 'openai', '--model', 'test-model', '--base-url', `http://apikey:${SECRET}@127.0.0.1:9/v1`, '--db', join(dir, 'down.db')], { env })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/LLM_UNAVAILABLE: cannot reach the model server at http:\/\/127\.0\.0\.1:9\/v1/)
    expect(r.stdout + r.stderr).not.toContain(SECRET)
  })
})
