import { describe, expect, it } from 'vitest'
import { EndpointPool } from '../../src/llm/endpoints.ts'
import { inProcessLimiter } from '../../src/llm/limits.ts'
import { backoffMs, classify, retryAfterMs } from '../../src/llm/retry.ts'
import { limitsShare, logPromptRate, maxLimitShares, openAiSettingsSchema } from '../../src/llm/settings.ts'
import { sampleFromSchema } from '../../src/llm/testing/schema-sample.ts'

const tick = () => new Promise((r) => setImmediate(r))

describe('in-process LLM limiter', () => {
  it('caps permits per endpoint and serves waiters first come, first served', async () => {
    const l = inProcessLimiter()
    const ep = [{ id: 'a', concurrency: 2 }]
    const p1 = await l.acquire({ endpoints: ep, tokens: 1 })
    await l.acquire({ endpoints: ep, tokens: 1 })
    const order: number[] = []
    const w3 = l.acquire({ endpoints: ep, tokens: 1 }).then((p) => (order.push(3), p))
    const w4 = l.acquire({ endpoints: ep, tokens: 1 }).then((p) => (order.push(4), p))
    await tick()
    expect(order).toEqual([])
    expect(l.inFlight('a')).toBe(2)
    l.release(p1, 1)
    await w3
    await tick()
    expect(order).toEqual([3])
    l.release(await w3, 1)
    await w4
    expect(order).toEqual([3, 4])
  })

  it('tells each permit the load it was granted at, even when a burst is granted at once', async () => {
    const l = inProcessLimiter()
    const ep = [{ id: 'a', concurrency: 1 }]
    const first = await l.acquire({ endpoints: ep, tokens: 1 })
    const waiting = [1, 2, 3].map(() => l.acquire({ endpoints: ep, tokens: 1 }))
    ep[0]!.concurrency = 4 // an adaptive limit that grew: the next release grants all three
    l.release(first, 1)
    // Read after the burst, inFlight('a') is 3 for all of them; each permit knows its own.
    expect((await Promise.all(waiting)).map((p) => p.inFlight)).toEqual([1, 2, 3])
    expect(l.inFlight('a')).toBe(3)
  })

  it('routes to the endpoint with the lowest in-flight share of its limit', async () => {
    const l = inProcessLimiter()
    const eps = [{ id: 'small', concurrency: 1 }, { id: 'big', concurrency: 3 }]
    const got: string[] = []
    for (let i = 0; i < 4; i++) got.push((await l.acquire({ endpoints: eps, tokens: 1 })).endpoint)
    expect(got.sort()).toEqual(['big', 'big', 'big', 'small'])
  })

  it('holds requests beyond the requests-per-minute bucket until it refills', async () => {
    const l = inProcessLimiter({ rpm: 3 })
    const ep = [{ id: 'a', concurrency: 100 }]
    for (let i = 0; i < 3; i++) l.release(await l.acquire({ endpoints: ep, tokens: 1 }), 1)
    let granted = false
    const ac = new AbortController()
    const w = l.acquire({ endpoints: ep, tokens: 1, signal: ac.signal }).then(() => (granted = true))
    await new Promise((r) => setTimeout(r, 50))
    expect(granted).toBe(false)
    ac.abort(new Error('gave up'))
    await expect(w).rejects.toThrow('gave up')
  })

  it('holds calls whose tokens exceed the tokens-per-minute budget', async () => {
    const l = inProcessLimiter({ tpm: 1000 })
    const ep = [{ id: 'a', concurrency: 100 }]
    const p = await l.acquire({ endpoints: ep, tokens: 900 })
    let granted = false
    void l.acquire({ endpoints: ep, tokens: 500 }).then(() => (granted = true))
    await new Promise((r) => setTimeout(r, 30))
    expect(granted).toBe(false)
    // The call used far fewer tokens than estimated: the difference returns to the bucket.
    l.release(p, 100)
    await new Promise((r) => setTimeout(r, 10))
    expect(granted).toBe(true)
  })
})

describe('endpoint health', () => {
  it('takes an endpoint out after failures in a row and lets it back as a probe of one', () => {
    const pool = new EndpointPool([{ url: 'a', concurrency: 8 }, { url: 'b', concurrency: 8 }], { failures: 2, probeAfterMs: 1000 })
    pool.failure('a', 0)
    expect(pool.available(0).map((e) => e.id)).toEqual(['a', 'b'])
    pool.failure('a', 0)
    expect(pool.available(10).map((e) => e.id)).toEqual(['b'])
    expect(pool.available(1001)).toEqual([{ id: 'a', concurrency: 1 }, { id: 'b', concurrency: 8 }])
    pool.failure('a', 1002) // failed probe: out for twice as long
    expect(pool.isOut('a', 2500)).toBe(true)
    expect(pool.available(3003).find((e) => e.id === 'a')).toEqual({ id: 'a', concurrency: 1 })
    pool.success('a')
    expect(pool.available(3004).find((e) => e.id === 'a')).toEqual({ id: 'a', concurrency: 8 })
  })
})

describe('retry policy', () => {
  const ctx = { endpoint: 'http://x/v1', model: 'm' }
  it('classifies HTTP and network failures', () => {
    const headers = new Headers({ 'retry-after': '2' })
    expect(classify({ status: 429, headers, message: 'slow down' }, ctx)).toMatchObject({ kind: 'retry', reason: 'rate-limit', retryAfterMs: 2000 })
    expect(classify({ status: 503, message: 'busy' }, ctx)).toMatchObject({ kind: 'retry', reason: 'server' })
    expect(classify({ status: 401, message: 'bad key' }, ctx)).toMatchObject({ kind: 'fatal', error: { code: 'LLM_AUTH' } })
    expect(classify({ status: 404, message: 'no model' }, ctx)).toMatchObject({ kind: 'fatal', error: { code: 'LLM_MODEL_NOT_FOUND' } })
    expect(classify({ status: 400, message: "response_format 'json_schema' unsupported" }, ctx)).toMatchObject({ kind: 'format' })
    expect(classify({ name: 'APIConnectionError', message: 'Connection error.', cause: { code: 'ECONNRESET' } }, ctx)).toMatchObject({ kind: 'retry', reason: 'network' })
    expect(classify(new SyntaxError('Unterminated string in JSON'), ctx)).toMatchObject({ kind: 'invalid-json' })
  })
  it('reads Retry-After as seconds, an HTTP date, or retry-after-ms', () => {
    expect(retryAfterMs({ headers: { 'retry-after-ms': '150' } })).toBe(150)
    expect(retryAfterMs({ headers: new Headers({ 'retry-after': new Date(10_000).toUTCString() }) }, 4000)).toBe(6000)
  })
  it('backs off exponentially with jitter, never below Retry-After', () => {
    for (let a = 1; a < 6; a++) {
      const b = backoffMs(a, undefined, { baseMs: 100, capMs: 10_000 })
      expect(b).toBeGreaterThanOrEqual((100 * 2 ** (a - 1)) / 2)
      expect(b).toBeLessThanOrEqual(100 * 2 ** (a - 1))
    }
    expect(backoffMs(1, 5000)).toBeGreaterThanOrEqual(5000)
  })
})

describe('LLM settings', () => {
  it('validates, splits limits across threads, and parses --log-prompts', () => {
    const s = openAiSettingsSchema.parse({ backend: 'openai', model: 'm', endpoints: [{ url: 'http://a/v1', concurrency: 64 }], rpm: 600 })
    expect(limitsShare(s, 4, 0)).toMatchObject({ endpoints: [{ concurrency: 16 }], rpm: 150 })
    expect(logPromptRate('sample:0.25')).toBe(0.25)
    expect(openAiSettingsSchema.safeParse({ backend: 'openai', model: 'm', endpoints: [] }).success).toBe(false)
    expect(openAiSettingsSchema.safeParse({ backend: 'openai', model: 'm', endpoints: [{ url: 'x', concurrency: 1 }], logPrompts: 'sample:2' }).success).toBe(false)
  })
  it('shares limits over threads exactly, remainders dealt round-robin', () => {
    const s = openAiSettingsSchema.parse({
      backend: 'openai', model: 'm', rpm: 10, tpm: 100_001,
      endpoints: [{ url: 'http://a/v1', concurrency: 5 }, { url: 'http://b/v1', concurrency: 3 }, { url: 'http://c/v1', concurrency: 1 }],
    })
    expect(maxLimitShares(s)).toBe(9)
    for (const parts of [2, 3, 4, 9]) {
      const shares = Array.from({ length: parts }, (_, i) => limitsShare(s, parts, i))
      const slots = (url: string) => shares.reduce((n, sh) => n + (sh.endpoints.find((e) => e.url === url)?.concurrency ?? 0), 0)
      expect([slots('http://a/v1'), slots('http://b/v1'), slots('http://c/v1')]).toEqual([5, 3, 1])
      expect(shares.reduce((n, sh) => n + sh.rpm!, 0)).toBe(10)
      expect(shares.reduce((n, sh) => n + sh.tpm!, 0)).toBe(100_001)
      const perThread = shares.map((sh) => sh.endpoints.reduce((n, e) => n + e.concurrency, 0))
      expect(Math.max(...perThread) - Math.min(...perThread)).toBeLessThanOrEqual(1)
      for (const sh of shares) expect(sh.endpoints.every((e) => e.concurrency > 0)).toBe(true)
    }
    expect(limitsShare(s, 1, 0)).toBe(s)
    expect(() => limitsShare(s, 10, 0)).toThrow(/at most 9/)
  })
  it('never carries an API key', () => {
    const s = openAiSettingsSchema.parse({ backend: 'openai', model: 'm', endpoints: [{ url: 'http://a/v1', concurrency: 1 }], apiKey: 'sk-secret' })
    expect(JSON.stringify(s)).not.toContain('sk-secret')
  })
})

describe('schema sampling (the test server default answers)', () => {
  it('produces values inside the bounds, deterministically', () => {
    const schema = {
      type: 'object',
      properties: { n: { type: 'integer', minimum: 1, maximum: 5 }, s: { type: 'string', maxLength: 5 }, ids: { type: 'array', items: { type: 'integer', minimum: 0 } } },
      required: ['n', 's', 'ids'],
    }
    const v = sampleFromSchema(schema, 3, { integers: [40, 41] }) as { n: number; s: string; ids: number[] }
    expect(v.n).toBeGreaterThanOrEqual(1)
    expect(v.n).toBeLessThanOrEqual(5)
    expect(v.s.length).toBeLessThanOrEqual(5)
    for (const id of v.ids) expect([40, 41]).toContain(id)
    expect(sampleFromSchema(schema, 3, { integers: [40, 41] })).toEqual(v)
  })
})
