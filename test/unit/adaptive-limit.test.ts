import { describe, expect, it } from 'vitest'
import { rngFor } from '../../src/core/index.ts'
import { AdaptiveLimit } from '../../src/llm/adaptive-limit.ts'

type Ev = { done: number; sent: number; refused: boolean; n: number; seen?: boolean }

/** A binary min-heap of events by time. */
class Heap {
  private a: Ev[] = []
  push(e: Ev): void {
    const a = this.a
    a.push(e)
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1
      if (a[p]!.done <= a[i]!.done) break
      ;[a[p], a[i]] = [a[i]!, a[p]!]
      i = p
    }
  }
  pop(): Ev {
    const a = this.a
    const top = a[0]!
    const last = a.pop()!
    if (a.length) {
      a[0] = last
      for (let i = 0; ; ) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && a[l]!.done < a[m]!.done) m = l
        if (r < a.length && a[r]!.done < a[m]!.done) m = r
        if (m === i) break
        ;[a[m], a[i]] = [a[i]!, a[m]!]
        i = m
      }
    }
    return top
  }
}

/**
 * A model server in simulated time: `capacity` requests served at once, each taking
 * `latency` ms (± 10 % seeded jitter); past capacity requests queue, or (reject) get a
 * 429 at once (1–4 ms). The client always has work, so it keeps as many requests out as
 * the limit allows: what a large run does. With `clientLagMs` the client sees each answer
 * up to that much after the server sent it (a busy event loop): its count of requests in
 * flight runs ahead of the server's.
 */
function simulate(
  capacity: number,
  opts: { latency?: number; reject?: boolean; ms?: number; ceiling?: number; initial?: number; randomRefusals?: number; capacityAt?: (ms: number) => number; clientLagMs?: number } = {},
) {
  const latency = opts.latency ?? 100
  const horizon = opts.ms ?? 60_000
  const rng = rngFor(1, 'sim', capacity)
  const ctl = new AdaptiveLimit(opts.ceiling ?? 1024, { initial: opts.initial ?? 16, tolerance: 1.2 })
  // In flight: requests served (done at `done`), 429s on their way back, and the FIFO queue.
  const events = new Heap()
  const queue: Array<[number, number]> = []
  let now = 0
  let out = 0
  let active = 0
  let busyMs = 0
  let refusedAfterSettle = 0
  let requestsAfterSettle = 0
  const settleAt = horizon / 3
  const serve = (sent: number, n: number) => {
    const service = latency * (0.9 + 0.2 * rng.next())
    events.push({ done: now + service, sent, refused: false, n })
    active++
    busyMs += Math.max(0, Math.min(horizon, now + service) - now)
  }
  const lag = () => (opts.clientLagMs ?? 0) * rng.next() ** 2
  const refuse = (n: number) => events.push({ done: now + 1 + 3 * rng.next() + lag(), sent: now, refused: true, n })
  const send = () => {
    out++
    if (now > settleAt) requestsAfterSettle++
    if (opts.randomRefusals && rng.next() < opts.randomRefusals) refuse(out)
    else if (active < (opts.capacityAt?.(now) ?? capacity)) serve(now, out)
    else if (opts.reject) {
      if (now > settleAt) refusedAfterSettle++
      refuse(out)
    } else queue.push([now, out])
  }
  const limits: number[] = []
  while (now < horizon) {
    while (out < ctl.limit) send()
    const e = events.pop()
    now = e.done
    if (!e.refused && !e.seen) {
      // The server is done: its slot goes to the next in its queue at once.
      active--
      if (queue.length) serve(...queue.shift()!)
      const l = lag()
      if (l > 0) {
        events.push({ ...e, done: now + l, seen: true })
        continue
      }
    }
    out--
    if (e.refused) ctl.observe({ kind: 'overload', inFlight: e.n })
    else ctl.observe({ kind: 'ok', ms: now - e.sent, inFlight: e.n })
    if (now > settleAt) limits.push(ctl.limit)
  }
  const mean = limits.reduce((a, b) => a + b, 0) / Math.max(1, limits.length)
  return { utilization: busyMs / (capacity * horizon), meanLimit: mean, minLimit: limits.reduce((m, x) => Math.min(m, x), Infinity), finalLimit: ctl.limit, refusedShareSettled: refusedAfterSettle / Math.max(1, requestsAfterSettle) }
}

describe('adaptive concurrency limit (simulated server)', () => {
  it.each([16, 64, 256, 1024])('keeps a queueing server of capacity %i busy without a large queue', (capacity) => {
    const r = simulate(capacity)
    // Utilization near that of the right fixed limit (which is 1 here, less the start).
    expect(r.utilization).toBeGreaterThan(0.9)
    // The limit settles near the capacity: some queue (the tolerance), not the 1,024 ceiling.
    expect(r.meanLimit).toBeGreaterThan(capacity * 0.95)
    expect(r.meanLimit).toBeLessThan(capacity * 1.3 + Math.sqrt(capacity) + 8)
  })

  // Each refusal frees its slot at once and the client sends the next request into it, so
  // a limit even one over the capacity churns refusals: the limit must sit at the capacity.
  it.each([16, 64, 100, 256, 1024])('settles at the capacity of a server of capacity %i that refuses past it, with under 1 % refused', (capacity) => {
    const r = simulate(capacity, { reject: true, clientLagMs: 20 })
    expect(r.utilization).toBeGreaterThan(0.9)
    expect(r.refusedShareSettled).toBeLessThan(0.01)
    // Near the capacity: under it while the floor is probed or after a cut; over it by a
    // probe's one request, or by what the client's count runs ahead of the server's (answers
    // it has not read yet: 20/3 ms of lag on average × C per 100 ms, under 7 % of C).
    expect(r.meanLimit).toBeGreaterThan(capacity * 0.93)
    expect(r.meanLimit).toBeLessThanOrEqual(capacity * 1.07 + 1)
  })

  it('finds the new capacity of a refusing server that gained room, by probes above the old one', () => {
    const r = simulate(64, { reject: true, clientLagMs: 20, ms: 180_000, capacityAt: (ms) => (ms < 30_000 ? 64 : 96) })
    expect(r.finalLimit).toBeGreaterThanOrEqual(90)
    expect(r.finalLimit).toBeLessThanOrEqual(96 * 1.07 + 1)
    expect(r.refusedShareSettled).toBeLessThan(0.01)
  })

  it('is not talked down by 429s that come at random, whatever the load', () => {
    const r = simulate(64, { randomRefusals: 0.05 })
    expect(r.meanLimit).toBeGreaterThan(64 * 0.95)
    expect(r.utilization).toBeGreaterThan(0.9)
  })

  it.each([1, 2, 3, 4, 5, 6])('is not talked down by random 429s from its first requests, with a ceiling under the capacity (seed %i)', (seed) => {
    // The bench's tail round: a hosted API with a rate window that refuses a few per cent
    // at any load, far from its capacity; before the noise is learnt, a few of them in one
    // window must not read as overload.
    const r = simulate(256 + seed, { ceiling: 64, randomRefusals: 0.04, ms: 20_000 })
    expect(r.minLimit).toBeGreaterThanOrEqual(16)
    expect(r.meanLimit).toBeGreaterThan(64 * 0.9)
  })

  it('never exceeds the ceiling, and grows only when the limit is used', () => {
    const r = simulate(1024, { ceiling: 40 })
    expect(r.meanLimit).toBeLessThanOrEqual(40)
    const idle = new AdaptiveLimit(1024, { initial: 16, tolerance: 1.2 })
    // 4 requests in flight at a time never fill a limit of 16: no reason to grow.
    for (let i = 0; i < 1000; i++) idle.observe({ kind: 'ok', ms: 100, inFlight: 4 })
    expect(idle.limit).toBe(16)
  })

  it('adopts a limit learnt elsewhere and leaves slow start', () => {
    const c = new AdaptiveLimit(512, { initial: 8, tolerance: 1.2 })
    c.adopt(300)
    expect(c.limit).toBe(300)
    expect(c.probing).toBe(false)
    c.adopt(5000)
    expect(c.limit).toBe(512)
  })
})
