import Database from 'better-sqlite3'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { runCli, tempDir } from '../helpers/cli.ts'

describe('usersim run --llm openai against a server that loses requests', () => {
  let server: OpenAiTestServer
  const dir = tempDir('usersim-llm-tail-')

  beforeAll(async () => {
    // 5 % of requests hang for a minute.
    server = await startOpenAiTestServer({ models: ['m'], latencyMs: 10, randomFaults: { rate: 0.05, kinds: ['slow'], seed: 5 }, keepRequests: false })
  })
  afterAll(async () => {
    await server.close()
  })

  it('finishes the round without waiting out the attempt timeout, printing progress lines off a terminal', async () => {
    const db = join(dir, 'tail.db')
    const timeoutMs = 45_000
    const r = await runCli(
      ['run', 'feed', '--agents', '120', '--rounds', '1', '--catalog', '300', '--llm', 'openai', '--model', 'm', '--base-url', server.url, '--no-cache', '--llm-timeout', String(timeoutMs), '--db', db],
      { env: { USERSIM_PROGRESS_EVERY_MS: '300' }, timeoutMs: 180_000 },
    )
    expect(r.code, r.stderr).toBe(0)
    expect(server.stats.faults.slow).toBeGreaterThan(2)
    const d = new Database(db, { readonly: true })
    let runId: string
    try {
      runId = d.prepare('SELECT id FROM runs').pluck().get() as string
      const worst = d.prepare('SELECT max(latency_ms) FROM llm_calls').pluck().get() as number
      const limits = d.prepare('SELECT count(*) FROM llm_calls WHERE concurrency_limit IS NOT NULL').pluck().get() as number
      // Hedged: no call waited for a hung request's timeout.
      expect(worst).toBeLessThan(timeoutMs)
      expect(limits).toBeGreaterThan(0)
    } finally {
      d.close()
    }
    // Not a terminal: plain lines, no bar and no escape codes.
    expect(r.stderr).toMatch(/^usersim: progress \d+ %  round 0 of 0–0  agents [\d,]+\/120  \d+ s$/m)
    expect(r.stderr).not.toMatch(/\x1b\[/)
    // show: the limit per round, and the prefix-cache share per task.
    const show = await runCli(['show', runId, '--db', db])
    expect(show.code, show.stderr).toBe(0)
    expect(show.stdout).toMatch(/LLM concurrency limit \(adaptive\)/)
    expect(show.stdout).toMatch(/prefix-cached/)
    const json = JSON.parse((await runCli(['show', runId, '--db', db, '--json'])).stdout)
    expect(json.llmLimits[0]).toMatchObject({ round: 0, endpoint: server.url, min: expect.any(Number), last: expect.any(Number) })
    expect(json.llmUsage.some((u: { cachedShare: number | null }) => (u.cachedShare ?? 0) > 0)).toBe(true)
    // The report carries the same trajectory (its page draws it as a table).
    const html = join(dir, 'report.html')
    const rep = await runCli(['report', runId, '--db', db, '--out', html])
    expect(rep.code, rep.stderr).toBe(0)
    const page = readFileSync(html, 'utf8')
    expect(page).toContain('"llmLimits":[{"round":0')
    expect(page).toContain('Concurrency limit per endpoint (adaptive)')
  }, 200_000)

  it('refuses a bad USERSIM_PROGRESS_EVERY_MS', async () => {
    const r = await runCli(['run', 'feed', '--agents', '5', '--rounds', '1', '--db', join(dir, 'bad.db')], { env: { USERSIM_PROGRESS_EVERY_MS: 'often' } })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/USERSIM_PROGRESS_EVERY_MS must be a whole number/)
  })
})
