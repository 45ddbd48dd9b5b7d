import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineTask, type TaskCallMeta } from '../../src/core/index.ts'
import { createLlmRunner } from '../../src/llm/llm-runner.ts'
import { openAiSettingsSchema, type OpenAiSettingsInput } from '../../src/llm/settings.ts'
import { startOpenAiTestServer, type OpenAiTestServer, type OpenAiTestServerOptions } from '../../src/llm/testing/openai-test-server.ts'

const rate = defineTask({
  name: 'rate-item',
  version: 1,
  input: z.object({ title: z.string() }),
  output: z.object({ rating: z.number().int().min(1).max(5) }),
  prompt: (i) => [
    { role: 'system', content: 'Rate the item 1-5. Answer with JSON only.' },
    { role: 'user', content: `Item: ${i.title}` },
  ],
  surrogate: () => ({ rating: 3 }),
})

const servers: OpenAiTestServer[] = []
async function server(opts: OpenAiTestServerOptions = {}) {
  const s = await startOpenAiTestServer({ models: ['m'], keepRequests: false, ...opts })
  servers.push(s)
  return s
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

const recs = (r: { drain(): Array<{ outcome: string }> }) => r.drain()
const meta = (agent: number): TaskCallMeta => ({ runSeed: 7, agent, round: 0, call: 0 })

function runner(url: string, extra: Partial<OpenAiSettingsInput> = {}, concurrency = 64) {
  return createLlmRunner(openAiSettingsSchema.parse({ backend: 'openai', model: 'm', endpoints: [{ url, concurrency }], cache: false, ...extra }))
}

describe('a round is not held up by stuck requests (hedging)', () => {
  it('answers every call long before the attempt timeout when some requests hang', async () => {
    // 5 % of requests hang for a minute, like a server that lost them.
    const s = await server({ latencyMs: 20, randomFaults: { rate: 0.05, kinds: ['slow'], seed: 3 } })
    // Under 60 s (a hung request), and far above the hedge delay even on a loaded machine.
    const timeoutMs = 45_000
    const r = runner(s.url, { timeoutMs })
    await Promise.all(Array.from({ length: 400 }, (_, a) => r.run(rate, { title: `t${a}` }, meta(a))))
    const recs = r.drain()
    expect(recs.every((c) => c.outcome === 'ok')).toBe(true)
    expect(s.stats.faults.slow).toBeGreaterThan(5)
    // Without hedging each hung request costs its call the whole attempt timeout.
    expect(Math.max(...recs.map((c) => c.latencyMs!))).toBeLessThan(timeoutMs)
    expect(r.hedgesSent()).toBeGreaterThanOrEqual(s.stats.faults.slow!)
    // The budget: hedges stay a small share of the calls.
    expect(r.hedgesSent()).toBeLessThan(0.15 * 400)
  }, 120_000)

  it('does not hedge with hedging off (the call waits for its timeout)', async () => {
    const s = await server({ latencyMs: 5 })
    const r = runner(s.url, { timeoutMs: 1500, attempts: 2, hedge: { enabled: false } })
    await Promise.all(Array.from({ length: 40 }, (_, a) => r.run(rate, { title: `t${a}` }, meta(a))))
    s.inject({ kind: 'slow', ms: 60_000 })
    await r.run(rate, { title: 'stuck' }, meta(99))
    const rec = r.drain().at(-1)!
    expect(rec.attempts).toBe(2)
    expect(rec.latencyMs).toBeGreaterThanOrEqual(1500)
    expect(r.hedgesSent()).toBe(0)
  }, 30_000)
})

describe('adaptive concurrency per endpoint', () => {
  it('finds a server capacity it cannot read, from below and under the ceiling', async () => {
    const s = await server({ latencyMs: 40, capacity: 48 })
    const r = runner(s.url, { timeoutMs: 30_000, adaptive: { initial: 4 } }, 1024)
    await Promise.all(Array.from({ length: 3000 }, (_, a) => r.run(rate, { title: `t${a}` }, meta(a))))
    const limit = r.limits().get(s.url)!
    // It grew from 4 and stayed far under the 1,024 ceiling (the simulated-server unit
    // test checks where it settles; here the client's own CPU adds latency noise).
    expect(limit).toBeGreaterThan(16)
    expect(limit).toBeLessThan(256)
    const recs = r.drain()
    expect(recs.at(-1)!.concurrencyLimit).toBeGreaterThan(4)
  }, 60_000)

  it('backs off on 429s', async () => {
    // A server that refuses rather than queues: 429 past 24 requests at once.
    const s = await server({ latencyMs: 30, capacity: 24, overflow: 'reject' })
    const r = runner(s.url, { timeoutMs: 30_000, adaptive: { initial: 8 } }, 1024)
    await Promise.all(Array.from({ length: 3000 }, (_, a) => r.run(rate, { title: `t${a}` }, meta(a))))
    expect(r.limits().get(s.url)!).toBeLessThanOrEqual(48)
    const refused = s.stats.faults['overflow'] ?? 0
    expect(refused).toBeGreaterThan(0)
    // Refusals stay a minority, start included (the simulated-server unit test checks the
    // share once settled; here every refusal frees a slot for the next call at once).
    expect(refused / s.stats.requests).toBeLessThan(0.4)
    expect(recs(r).every((c) => c.outcome === 'ok')).toBe(true)
  }, 60_000)

  it('holds a fixed limit with adaptive off', async () => {
    const s = await server({ latencyMs: 20, capacity: 8 })
    const r = runner(s.url, { timeoutMs: 30_000, adaptive: { enabled: false } }, 32)
    await Promise.all(Array.from({ length: 300 }, (_, a) => r.run(rate, { title: `t${a}` }, meta(a))))
    expect(s.stats.peakOpen).toBe(32)
    expect(r.limits().size).toBe(0)
  }, 30_000)
})

describe('prefix-cache accounting', () => {
  it('records the prompt tokens the server served from its prefix cache', async () => {
    const s = await server({ latencyMs: 1 })
    const r = runner(s.url, { timeoutMs: 30_000 })
    for (let a = 0; a < 3; a++) await r.run(rate, { title: `t${a}` }, meta(a))
    const recs = r.drain()
    // The first call's system message is new to the server; the next ones share it.
    expect(recs[0]!.cachedTokens).toBe(0)
    expect(recs[1]!.cachedTokens).toBeGreaterThan(0)
    expect(recs[2]!.cachedTokens).toBeLessThan(recs[2]!.promptTokens!)
  })
})

describe('token log-probabilities on request', () => {
  it('asks for them only for tasks that want them, and keeps them with the call', async () => {
    const s = await startOpenAiTestServer({ models: ['m'], latencyMs: 1 })
    servers.push(s)
    const withLogprobs = { ...rate, name: 'rate-with-logprobs', logprobs: true }
    const r = runner(s.url, { timeoutMs: 30_000 })
    await r.run(withLogprobs, { title: 'a' }, meta(1))
    await r.run(rate, { title: 'b' }, meta(2))
    const [a, b] = r.drain()
    expect(s.requests[0]!.logprobs).toBe(true)
    expect(s.requests[1]!.logprobs).toBeUndefined()
    expect(a!.logprobs!.length).toBeGreaterThan(0)
    expect(a!.logprobs!.every((t) => t.logprob <= 0)).toBe(true)
    // The tokens spell the answer the task returned.
    expect(JSON.parse(a!.logprobs!.map((t) => t.token).join(''))).toEqual(a!.output)
    expect(b!.logprobs).toBeUndefined()
  })
})
