import { describe, expect, it } from 'vitest'
import { agentRng, combineSeed, rngFor, rngFromState } from '../../src/core/index.ts'

describe('seeded rng', () => {
  it('gives the same sequence for the same keys and different ones otherwise', () => {
    const a = rngFor(42, 'agent', 7)
    const b = rngFor(42, 'agent', 7)
    const c = rngFor(42, 'agent', 8)
    const xa = Array.from({ length: 5 }, () => a.next())
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xa)
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xa)
  })

  it('keeps streams of one agent and round independent', () => {
    expect(agentRng(1, 5, 3, 'policy').next()).not.toBe(agentRng(1, 5, 3, 'agent').next())
    expect(combineSeed(1, 2)).not.toBe(combineSeed(2, 1))
  })

  it('is roughly uniform and normal', () => {
    const r = rngFor(9)
    let sum = 0
    let sq = 0
    const n = 20000
    const buckets = new Array(10).fill(0)
    for (let i = 0; i < n; i++) {
      const u = r.next()
      if (u < 0 || u >= 1) throw new Error(`out of range: ${u}`)
      buckets[Math.floor(u * 10)]++
      const z = r.normal()
      sum += z
      sq += z * z
    }
    for (const b of buckets) expect(Math.abs(b - n / 10)).toBeLessThan(n / 10 * 0.1)
    expect(Math.abs(sum / n)).toBeLessThan(0.05)
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.05)
  })

  it('resumes from a saved state', () => {
    const r = rngFor(3)
    r.next()
    const copy = rngFromState(r.state())
    expect(copy.next()).toBe(r.next())
  })
})
