import { describe, expect, it } from 'vitest'
import { EndpointPool } from '../../src/llm/endpoints.ts'

const ep = (url: string) => ({ url, concurrency: 8 }) as never
const breaker = { failures: 3, probeAfterMs: 2000 }

describe('endpoint pool (circuit breaker)', () => {
  it('takes a failing endpoint out while another can take its calls, then probes it with one request', () => {
    const pool = new EndpointPool([ep('a'), ep('b')], breaker)
    for (let k = 0; k < 3; k++) pool.failure('a', 1000)
    expect(pool.available(1500).map((e) => e.id)).toEqual(['b'])
    expect(pool.isOut('a', 1500)).toBe(true)
    expect(pool.outOfRotation(1500)).toEqual(['a'])
    // After the wait: back on probation, one request at a time.
    expect(pool.available(3001)).toEqual([{ id: 'a', concurrency: 1 }, { id: 'b', concurrency: 8 }])
  })

  it('keeps every endpoint in rotation when all are out (a single endpoint is never parked)', () => {
    const one = new EndpointPool([ep('a')], breaker)
    for (let k = 0; k < 3; k++) one.failure('a', 1000)
    // Parking the only endpoint would make every call wait for one probe (and a probe that hangs, an attempt timeout).
    expect(one.available(1500)).toEqual([{ id: 'a', concurrency: 8 }])
    expect(one.isOut('a', 1500)).toBe(false)
    const two = new EndpointPool([ep('a'), ep('b')], breaker)
    for (let k = 0; k < 3; k++) two.failure('a', 1000)
    for (let k = 0; k < 3; k++) two.failure('b', 1000)
    expect(two.available(1500).map((e) => e.id)).toEqual(['a', 'b'])
    // One back in rotation: the other is out again.
    two.success('b')
    expect(two.available(3001).map((e) => e.id)).toContain('b')
  })
})
