import { ChatOpenAI } from '@langchain/openai'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineTask, rngFor, type TaskCallMeta } from '../../src/core/index.ts'
import { keepAliveFetch } from '../../src/llm/keep-alive-fetch.ts'
import { createLlmRunner } from '../../src/llm/llm-runner.ts'
import { invokeOpenAi, langSmithTracing, openAiChatModel } from '../../src/llm/model-client.ts'
import { outputSpec } from '../../src/llm/structured.ts'
import { openAiSettingsSchema, type OpenAiSettingsInput } from '../../src/llm/settings.ts'
import { startOpenAiTestServer, type OpenAiTestServer, type OpenAiTestServerOptions } from '../../src/llm/testing/openai-test-server.ts'

const rate = defineTask({
  name: 'rate-item',
  version: 1,
  input: z.object({ title: z.string(), hint: z.number() }),
  output: z.object({ rating: z.number().int().min(1).max(5), reason: z.string().max(80) }),
  prompt: (i) => [
    { role: 'system', content: 'Rate the item 1-5. Answer with JSON only.' },
    { role: 'user', content: `Item: ${i.title}` },
  ],
  surrogate: (i, rng) => ({ rating: 1 + ((i.hint + rng.int(5)) % 5), reason: 'surrogate' }),
})

const servers: OpenAiTestServer[] = []
async function server(opts: OpenAiTestServerOptions = {}) {
  const s = await startOpenAiTestServer({ models: ['m', 'big'], ...opts })
  servers.push(s)
  return s
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

function runner(urls: string[], extra: Partial<OpenAiSettingsInput> = {}) {
  return createLlmRunner(
    openAiSettingsSchema.parse({
      backend: 'openai',
      model: 'm',
      endpoints: urls.map((url) => ({ url, concurrency: 16 })),
      timeoutMs: 2000,
      cache: false,
      ...extra,
    }),
  )
}

const meta = (agent: number, call = 0): TaskCallMeta => ({ runSeed: 7, agent, round: 0, call })
const input = { title: 'Dune', hint: 2 }

describe('LLM runner against the OpenAI test server (through ChatOpenAI)', () => {
  it('sends the request LangChain invoke sends, and reads the same answer and usage', async () => {
    const s = await server({ answer: () => ({ json: { rating: 4, reason: 'fine' } }) })
    const m = openAiChatModel(s.url, 'm', { temperature: 0, timeoutMs: 2000, fetch: keepAliveFetch() })
    const spec = outputSpec(rate as never)
    const direct = await invokeOpenAi(m, rate.prompt(input), spec, 'jsonSchema', rate.name, 11)
    const viaInvoke = await invokeOpenAi(m, rate.prompt(input), spec, 'jsonSchema', rate.name, 11, true)
    expect(s.requests).toHaveLength(2)
    expect(s.requests[0]).toEqual(s.requests[1])
    expect(s.requests[0]).toMatchObject({ model: 'm', seed: 11, temperature: 0, response_format: { type: 'json_schema', json_schema: { name: 'rate-item' } } })
    // The second request repeats the first one's leading messages: the server reports them
    // as prefix-cached (usage.prompt_tokens_details.cached_tokens), and both paths read it.
    const { cachedTokens: firstCached, ...directRest } = direct
    const { cachedTokens: secondCached, ...viaInvokeRest } = viaInvoke
    expect(directRest).toEqual(viaInvokeRest)
    expect(firstCached).toBe(0)
    expect(secondCached).toBeGreaterThan(0)
    expect(secondCached).toBeLessThan(direct.promptTokens!)
    expect(direct).toMatchObject({ content: '{"rating":4,"reason":"fine"}', promptTokens: expect.any(Number), completionTokens: expect.any(Number) })
    expect(langSmithTracing({ LANGSMITH_TRACING: 'true' })).toBe(true)
    expect(langSmithTracing({})).toBe(false)
  })

  it('returns a valid answer and records tokens, endpoint and model', async () => {
    const s = await server({ answer: () => ({ json: { rating: 4, reason: 'good' } }) })
    const r = runner([s.url])
    expect(await r.run(rate, input, meta(1))).toEqual({ rating: 4, reason: 'good' })
    const [rec] = r.drain()
    expect(rec).toMatchObject({ task: 'rate-item', outcome: 'ok', model: 'm', endpoint: s.url, attempts: 1, repairs: 0 })
    expect(rec!.promptTokens).toBeGreaterThan(0)
    expect(rec!.completionTokens).toBeGreaterThan(0)
    expect(rec!.prompt?.[0]?.content).toContain('Rate the item')
    // The schema went out as response_format json_schema.
    expect(s.requests[0]!.response_format).toMatchObject({ type: 'json_schema' })
  })

  it('default answers satisfy any task schema', async () => {
    const s = await server()
    const r = runner([s.url])
    const out = await r.run(rate, input, meta(2))
    expect(rate.output.safeParse(out).success).toBe(true)
  })

  it.each([
    ['429 with Retry-After', { kind: 'rate-limit', retryAfterS: 0.2 }],
    ['500', { kind: 'server-error' }],
    ['slow past the timeout', { kind: 'slow', ms: 5000 }],
    ['connection reset', { kind: 'reset' }],
  ] as const)('survives %s by retrying', async (_name, fault) => {
    const s = await server({ answer: () => ({ json: { rating: 3, reason: 'ok' } }) })
    s.inject(fault)
    const r = runner([s.url], { timeoutMs: 500 })
    expect(await r.run(rate, input, meta(3))).toEqual({ rating: 3, reason: 'ok' })
    const [rec] = r.drain()
    expect(rec).toMatchObject({ outcome: 'ok', attempts: 2 })
    expect(s.stats.faults[fault.kind]).toBe(1)
  })

  it('waits at least Retry-After before retrying a 429', async () => {
    const s = await server({ answer: () => ({ json: { rating: 3, reason: 'ok' } }) })
    s.inject({ kind: 'rate-limit', retryAfterS: 0.6 })
    const r = runner([s.url])
    await r.run(rate, input, meta(3))
    expect(r.drain()[0]!.latencyMs).toBeGreaterThanOrEqual(600)
  })

  it.each([
    ['malformed JSON', { kind: 'malformed' }],
    ['JSON that breaks the schema', { kind: 'schema-break' }],
  ] as const)('repairs %s by sending the validation error back', async (_name, fault) => {
    const s = await server({ answer: () => ({ json: { rating: 5, reason: 'fixed' } }) })
    s.inject(fault)
    const r = runner([s.url])
    expect(await r.run(rate, input, meta(4))).toEqual({ rating: 5, reason: 'fixed' })
    const [rec] = r.drain()
    expect(rec).toMatchObject({ outcome: 'repaired', repairs: 1 })
    // The second request carries the error message (and the bad answer when the client kept its text).
    const second = s.requests[1]!.messages
    expect(second.at(-1)?.content).toMatch(/does not match the required format/)
    if (fault.kind === 'schema-break') expect(second.at(-2)).toMatchObject({ role: 'assistant', content: expect.stringContaining('unexpected') })
    else expect(second.at(-1)?.content).toMatch(/not valid JSON/)
  })

  it('falls back to the surrogate, marked, after the repairs are used up', async () => {
    const s = await server({ answer: () => ({ json: { rating: 9, reason: 'out of range' } }) })
    const r = runner([s.url], { repairs: 2 })
    const out = await r.run(rate, input, meta(5))
    expect(out).toEqual(rate.surrogate(input, rngFor(7, 5, 0, 'rate-item', 0)))
    const [rec] = r.drain()
    expect(rec).toMatchObject({ outcome: 'fallback', repairs: 2 })
    expect(rec!.error).toMatch(/rating/)
    expect(s.stats.requests).toBe(3)
  })

  it('stops with LLM_AUTH on a 401 and LLM_MODEL_NOT_FOUND on an unknown model, without retrying', async () => {
    const s = await server({ apiKey: 'right-key' })
    const r = runner([s.url])
    await expect(r.run(rate, input, meta(6))).rejects.toMatchObject({ code: 'LLM_AUTH' })
    expect(s.stats.requests).toBe(1)
    const s2 = await server()
    const r2 = runner([s2.url], { model: 'no-such-model' })
    await expect(r2.run(rate, input, meta(6))).rejects.toMatchObject({ code: 'LLM_MODEL_NOT_FOUND' })
    expect(s2.stats.requests).toBe(1)
    expect(r2.drain()[0]).toMatchObject({ outcome: 'error' })
  })

  it('reports LLM_UNAVAILABLE (outcome error) when every attempt fails', async () => {
    const s = await server()
    s.inject(...Array.from({ length: 3 }, () => ({ kind: 'server-error' }) as const))
    const r = runner([s.url], { attempts: 3 })
    await expect(r.run(rate, input, meta(7))).rejects.toMatchObject({ code: 'LLM_UNAVAILABLE' })
    expect(r.drain()[0]).toMatchObject({ outcome: 'error', attempts: 3 })
  })

  it('rejects invalid input before any request', async () => {
    const s = await server()
    const r = runner([s.url])
    await expect(r.run(rate, { title: 3 } as never, meta(8))).rejects.toMatchObject({ code: 'TASK_INPUT_INVALID' })
    expect(s.stats.requests).toBe(0)
  })

  it('switches to JSON mode (schema in the prompt) when a server refuses json_schema', async () => {
    const s = await server({ jsonSchema: false })
    const r = runner([s.url])
    const out = await r.run(rate, input, meta(9))
    expect(rate.output.safeParse(out).success).toBe(true)
    const last = s.requests.at(-1)!
    expect(last.response_format).toEqual({ type: 'json_object' })
    expect(last.messages[1]!.content).toContain('JSON schema of the answer')
  })

  it('uses the per-task model override', async () => {
    const s = await server()
    const r = runner([s.url], { taskModels: { 'rate-item': 'big' } })
    await r.run(rate, input, meta(10))
    expect(s.requests[0]!.model).toBe('big')
  })

  it('never has more requests open than the concurrency limit', async () => {
    const s = await server({ latencyMs: 20 })
    const r = createLlmRunner(openAiSettingsSchema.parse({ backend: 'openai', model: 'm', endpoints: [{ url: s.url, concurrency: 8 }], cache: false, timeoutMs: 30_000 }))
    await Promise.all(Array.from({ length: 120 }, (_, a) => r.run(rate, input, meta(a))))
    expect(s.stats.requests).toBe(120)
    expect(s.stats.peakOpen).toBe(8)
  })

  it('does not hold a slot while waiting to retry', async () => {
    const s = await server({ answer: () => ({ json: { rating: 2, reason: 'x' } }) })
    s.inject({ kind: 'rate-limit', retryAfterS: 1 })
    const r = createLlmRunner(openAiSettingsSchema.parse({ backend: 'openai', model: 'm', endpoints: [{ url: s.url, concurrency: 1 }], cache: false }))
    const order: number[] = []
    const first = r.run(rate, input, meta(1)).then(() => order.push(1))
    await new Promise((res) => setTimeout(res, 100))
    const second = r.run(rate, input, meta(2)).then(() => order.push(2))
    await Promise.all([first, second])
    // With one slot, the second call could only finish first if the 429-ed call let go of it.
    expect(order).toEqual([2, 1])
  })

  it('spreads calls over several endpoints and takes a failing one out', async () => {
    const a = await server({ latencyMs: 10 })
    const b = await server({ latencyMs: 10 })
    const r = runner([a.url, b.url], { timeoutMs: 30_000 })
    await Promise.all(Array.from({ length: 200 }, (_, k) => r.run(rate, input, meta(k))))
    expect(a.stats.ok + b.stats.ok).toBe(200)
    expect(Math.min(a.stats.ok, b.stats.ok)).toBeGreaterThan(60)

    const bad = await server({ randomFaults: { rate: 1, kinds: ['server-error'] } })
    const good = await server({ latencyMs: 5 })
    const r2 = createLlmRunner(
      openAiSettingsSchema.parse({
        backend: 'openai', model: 'm', cache: false, attempts: 6, timeoutMs: 30_000,
        endpoints: [{ url: bad.url, concurrency: 16 }, { url: good.url, concurrency: 16 }],
        breaker: { failures: 3, probeAfterMs: 60_000 },
      }),
    )
    await Promise.all(Array.from({ length: 100 }, (_, k) => r2.run(rate, input, meta(k))))
    expect(good.stats.ok).toBe(100)
    // Out of rotation after a few failures: far fewer than the 100 calls reached it.
    expect(bad.stats.requests).toBeLessThan(40)
    expect(r2.outOfRotation()).toEqual([bad.url])
  })

  it("uses a scenario's LangChain model factory for its task (withStructuredOutput path)", async () => {
    const main = await server()
    const other = await server({ answer: () => ({ json: { rating: 1, reason: 'from the custom model' } }) })
    const r = createLlmRunner(openAiSettingsSchema.parse({ backend: 'openai', model: 'm', endpoints: [{ url: main.url, concurrency: 4 }], cache: false }), {
      models: { 'rate-item': () => new ChatOpenAI({ model: 'big', apiKey: 'x', maxRetries: 0, configuration: { baseURL: other.url } }) },
    })
    expect(await r.run(rate, input, meta(12))).toEqual({ rating: 1, reason: 'from the custom model' })
    expect(r.drain()[0]).toMatchObject({ outcome: 'ok', model: 'langchain:rate-item' })
    expect(main.stats.requests).toBe(0)
    expect(other.requests[0]!.response_format).toMatchObject({ type: 'json_schema' })
  })

  it('keeps prompts per --log-prompts (none keeps only accounting)', async () => {
    const s = await server()
    const r = runner([s.url], { logPrompts: 'none' })
    await r.run(rate, input, meta(11))
    const [rec] = r.drain()
    expect(rec!.prompt).toBeUndefined()
    expect(rec!.output).toBeUndefined()
    expect(rec!.promptTokens).toBeGreaterThan(0)
  })
})
