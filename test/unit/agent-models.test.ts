import { describe, expect, it } from 'vitest'
import { assignModels, modelOfUnassigned, parseAgentModels } from '../../src/llm/agent-models.ts'

const count = (xs: readonly number[], m: number) => xs.filter((x) => x === m).length

describe('mixed-model populations: seeded, stratified assignment', () => {
  // 1,000 agents in 7 persona clusters of uneven size, interleaved as a population would be.
  const strata = Array.from({ length: 1000 }, (_, a) => `cluster-${(a * a + 3 * a) % 7}`)
  const shares = [
    { model: 'llama-8b', share: 0.7 },
    { model: 'qwen-7b', share: 0.3 },
  ]

  it('gives every model its share of the population and of every persona cluster (to within one agent)', () => {
    const a = assignModels(strata, shares, 42)
    expect(a).toHaveLength(1000)
    expect(Math.abs(count(a, 0) - 700)).toBeLessThanOrEqual(1)
    expect(Math.abs(count(a, 1) - 300)).toBeLessThanOrEqual(1)
    for (const k of new Set(strata)) {
      const members = a.filter((_, i) => strata[i] === k)
      expect(Math.abs(count(members, 1) - 0.3 * members.length)).toBeLessThanOrEqual(1)
    }
  })

  it('three models with relative weights, shares need not add up to 1', () => {
    const a = assignModels(strata, [{ model: 'a', share: 2 }, { model: 'b', share: 1 }, { model: 'c', share: 1 }], 1)
    expect([count(a, 0), count(a, 1), count(a, 2)].map((n) => Math.round(n / 10))).toEqual([50, 25, 25])
  })

  it('depends only on the seed, the strata and the shares (drawn once for the whole population)', () => {
    const whole = assignModels(strata, shares, 42)
    expect(assignModels(strata, shares, 42)).toEqual(whole)
    // Another seed draws other agents within each cluster, with the same shares.
    const other = assignModels(strata, shares, 43)
    expect(other).not.toEqual(whole)
    expect(Math.abs(count(other, 1) - 300)).toBeLessThanOrEqual(1)
  })

  it('agents past the stored assignment get a seeded draw by the shares', () => {
    const late = Array.from({ length: 2000 }, (_, i) => modelOfUnassigned(1000 + i, shares, 5))
    expect(late).toEqual(Array.from({ length: 2000 }, (_, i) => modelOfUnassigned(1000 + i, shares, 5)))
    expect(count(late, 1) / 2000).toBeGreaterThan(0.25)
    expect(count(late, 1) / 2000).toBeLessThan(0.35)
  })

  it('parses model=share lists and says what is wrong with a bad one', () => {
    expect(parseAgentModels('llama-8b=0.7,qwen-7b=0.3')).toEqual(shares)
    expect(parseAgentModels('org/model=1')).toEqual([{ model: 'org/model', share: 1 }])
    expect(parseAgentModels('a=0.5,b')).toMatch(/model=share/)
    expect(parseAgentModels('a=0,b=1')).toMatch(/positive/)
    expect(parseAgentModels('a=1,a=2')).toMatch(/twice/)
  })
})
