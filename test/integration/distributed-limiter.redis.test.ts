import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { redisConnection } from '../../src/runner/bullmq/index.ts'
import { redisLimiter } from '../../src/runner/bullmq/redis-limiter.ts'
import type { LlmLimiter, LlmPermit } from '../../src/llm/limits.ts'
import { keysUnder, REDIS_URL } from '../fixtures/distributed/workers.ts'

// Several limiters, each on its own connection, stand for workers on several machines.
let prefix = ''
let conns: Redis[] = []
function limiters(n: number, rates: { rpm?: number; tpm?: number } = {}, extra: { permitTtlMs?: number } = {}): LlmLimiter[] {
  return Array.from({ length: n }, () => {
    const redis = redisConnection(REDIS_URL)
    conns.push(redis)
    return redisLimiter({ redis, prefix, scope: 'test', rates, ...extra })
  })
}
const EP = [{ id: 'http://model-a/v1', concurrency: 3 }]

afterEach(async () => {
  const keys = await keysUnder(prefix)
  if (keys.length) await conns[0]!.del(...keys)
  for (const c of conns) c.disconnect()
  conns = []
})

describe('redis limiter: one budget for all workers', () => {
  it('holds the concurrency cap across four limiters', async () => {
    prefix = `usersim-test-${randomUUID().slice(0, 8)}`
    const ls = limiters(4)
    let inFlight = 0
    let peak = 0
    const calls = ls.flatMap((l) =>
      Array.from({ length: 5 }, async () => {
        const p = await l.acquire({ endpoints: EP, tokens: 10 })
        inFlight++
        peak = Math.max(peak, inFlight)
        await new Promise((r) => setTimeout(r, 30))
        inFlight--
        l.release(p, 10)
      }),
    )
    await Promise.all(calls)
    expect(peak).toBe(3)
    await new Promise((r) => setTimeout(r, 50))
    // Every permit released: no in-flight set is left.
    expect((await keysUnder(prefix)).filter((k) => k.includes(':flight:'))).toEqual([])
  })

  it('spreads calls over endpoints by load and holds each cap', async () => {
    prefix = `usersim-test-${randomUUID().slice(0, 8)}`
    const [a, b] = limiters(2)
    const eps = [{ id: 'http://a/v1', concurrency: 2 }, { id: 'http://b/v1', concurrency: 1 }]
    const permits: Array<{ l: LlmLimiter; p: LlmPermit }> = []
    for (const l of [a!, b!, a!]) permits.push({ l, p: await l.acquire({ endpoints: eps, tokens: 1 }) })
    expect(permits.map(({ p }) => p.endpoint).sort()).toEqual(['http://a/v1', 'http://a/v1', 'http://b/v1'])
    let fourth = false
    const waiting = b!.acquire({ endpoints: eps, tokens: 1 }).then((p) => ((fourth = true), p))
    await new Promise((r) => setTimeout(r, 150))
    expect(fourth).toBe(false)
    const onB = permits.find(({ p }) => p.endpoint === 'http://b/v1')!
    onB.l.release(onB.p, 1)
    expect((await waiting).endpoint).toBe('http://b/v1')
  })

  it('holds one request rate across three limiters', async () => {
    prefix = `usersim-test-${randomUUID().slice(0, 8)}`
    // 600 a minute: a full bucket allows 600 at once, then 10 a second.
    const ls = limiters(3, { rpm: 600 })
    const eps = [{ id: 'http://model-a/v1', concurrency: 10_000 }]
    const t0 = performance.now()
    const times: number[] = []
    await Promise.all(
      ls.flatMap((l) =>
        Array.from({ length: 210 }, async () => {
          const p = await l.acquire({ endpoints: eps, tokens: 1 })
          times.push(performance.now() - t0)
          l.release(p, 1)
        }),
      ),
    )
    times.sort((x, y) => x - y)
    // 630 in all: the 30 beyond the bucket come at 10/s, so the last one after about 3 s.
    expect(times.filter((t) => t < 1000).length).toBeLessThanOrEqual(610)
    expect(times.at(-1)!).toBeGreaterThan(2700)
    // A bucket expires once it would be full again; the in-flight sets are gone already.
    const keys = await keysUnder(prefix)
    expect(keys.every((k) => k.endsWith(':rpm'))).toBe(true)
    expect(await conns[0]!.pttl(`${prefix}:llm:test:rpm`)).toBeLessThanOrEqual(60_000)
  })

  it('holds one token rate, corrected by the tokens actually used', async () => {
    prefix = `usersim-test-${randomUUID().slice(0, 8)}`
    const [a, b] = limiters(2, { tpm: 6000 })
    const eps = [{ id: 'http://model-a/v1', concurrency: 100 }]
    // Estimated 3000 each: two go at once, the bucket is then empty.
    const p1 = await a!.acquire({ endpoints: eps, tokens: 3000 })
    const p2 = await b!.acquire({ endpoints: eps, tokens: 3000 })
    // They used only 500 each: 5000 come back, so a third of 3000 goes at once.
    a!.release(p1, 500)
    b!.release(p2, 500)
    await new Promise((r) => setTimeout(r, 50))
    const t0 = performance.now()
    const p3 = await a!.acquire({ endpoints: eps, tokens: 3000 })
    expect(performance.now() - t0).toBeLessThan(200)
    // Now about 2000 are left: 3000 more must wait about 10 s; give up after 300 ms.
    const ctl = new AbortController()
    const late = b!.acquire({ endpoints: eps, tokens: 3000, signal: ctl.signal })
    setTimeout(() => ctl.abort(new Error('gave up')), 300)
    await expect(late).rejects.toThrow('gave up')
    a!.release(p3, 3000)
  })

  it('a permit of a worker that died expires after its TTL', async () => {
    prefix = `usersim-test-${randomUUID().slice(0, 8)}`
    const [dead, alive] = limiters(2, {}, { permitTtlMs: 400 })
    const eps = [{ id: 'http://model-a/v1', concurrency: 1 }]
    await dead!.acquire({ endpoints: eps, tokens: 1 })
    conns[0]!.disconnect() // never released
    const t0 = performance.now()
    const p = await alive!.acquire({ endpoints: eps, tokens: 1 })
    expect(performance.now() - t0).toBeGreaterThan(250)
    alive!.release(p, 1)
    conns.shift()
  })
})
