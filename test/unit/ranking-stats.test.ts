import { describe, expect, it } from 'vitest'
import { rngFor, type ChoiceParams } from '../../src/core/index.ts'
import { fitChoiceModel, type ChoiceEvent, type ChoiceFeatures } from '../../src/fidelity/choice-fit.ts'
import { kendall, rankAgreement, ranks, spearman } from '../../src/fidelity/rank-agreement.ts'
import { DEFAULT_WATCH } from '../../src/fidelity/watch-model.ts'
import { pairedDiff } from '../../src/cli/commands/compare.ts'

describe('rank agreement', () => {
  it('Spearman and Kendall on known orderings, ties averaged', () => {
    expect(ranks([10, 30, 20, 20])).toEqual([1, 4, 2.5, 2.5])
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1)
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1)
    expect(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.8)
    expect(kendall([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.6)
  })

  it('the bootstrap interval over users holds the point estimate and narrows with more users', () => {
    const make = (users: number) => {
      const rng = rngFor(3, users)
      const side = (shift: number) => [0, 1, 2, 3, 4].map((p) => Array.from({ length: users }, () => p * 0.1 + shift + rng.normal()))
      return rankAgreement(side(0), side(0.05), { seed: 1, samples: 200 })
    }
    const small = make(30)
    const big = make(3000)
    expect(big.spearman.value).toBeGreaterThan(0.8)
    expect(big.spearman.lo).toBeLessThanOrEqual(big.spearman.value)
    expect(big.spearman.hi - big.spearman.lo).toBeLessThan(small.spearman.hi - small.spearman.lo + 1e-9)
  })

  it('paired differences: a real shift is found, no shift cannot be told apart', () => {
    const rng = rngFor(5, 'pairs')
    const base = Array.from({ length: 400 }, () => rng.normal())
    const same = base.map((x) => x + 0.01 * rng.normal())
    const up = base.map((x) => x + 0.2 + 0.5 * rng.normal())
    expect(pairedDiff(up, base, 1).verdict).toBe('higher')
    expect(pairedDiff(up, base, 1).p).toBeLessThan(0.01)
    expect(pairedDiff(same, base, 1).verdict).toBe('cannot be told apart')
  })
})

describe('choice model', () => {
  it('the conditional-logit fit recovers the weights that generated the choices', () => {
    const truth: ChoiceParams = { utility: 1.5, popularity: 0.8, popularityByConformity: 0.4, familiarity: 0.5, activity: 0, bias: 0, positionBias: 0, recentTaste: 3, trendTaste: 0.7 }
    const rng = rngFor(9, 'choice-fit-test')
    const events: ChoiceEvent[] = []
    for (let e = 0; e < 3000; e++) {
      const conformity = rng.next()
      // Candidates drawn uniformly here (logSampled 0): the fit must find the generating weights.
      const cands: ChoiceFeatures[] = Array.from({ length: 10 }, () => ({ utility: rng.normal(), lp: 2 * rng.normal(), conformity, familiar: rng.next() < 0.3 ? 1 : 0, recent: rng.next() * 0.3, trend: rng.next() * 2, logSampled: 0 }))
      const z = cands.map((c) => truth.utility * c.utility + (truth.popularity + truth.popularityByConformity * (c.conformity - 0.5)) * c.lp + truth.familiarity * c.familiar + truth.recentTaste! * c.recent + truth.trendTaste! * c.trend)
      // One draw among the candidates (no outside option).
      const m = Math.max(...z)
      const w = z.map((x) => Math.exp(x - m))
      let u = rng.next() * w.reduce((a, b) => a + b, 0)
      let pick = 0
      while ((u -= w[pick]!) > 0 && pick < w.length - 1) pick++
      const chosen = cands[pick]!
      events.push({ chosen, alternatives: cands.filter((_, j) => j !== pick) })
    }
    const fit = fitChoiceModel(events, DEFAULT_WATCH)
    expect(fit.utility).toBeCloseTo(1.5, 0)
    expect(fit.popularity).toBeCloseTo(0.8, 0)
    expect(fit.familiarity).toBeCloseTo(0.5, 0)
    expect(Math.abs(fit.recentTaste! - 3)).toBeLessThan(0.8)
    expect(Math.abs(fit.trendTaste! - 0.7)).toBeLessThan(0.25)
  })

  it('choices that ignore every feature give weights near zero (the damped fit does not run away)', () => {
    const rng = rngFor(11, 'flat')
    const events: ChoiceEvent[] = Array.from({ length: 500 }, () => {
      const c = (): ChoiceFeatures => ({ utility: rng.normal(), lp: rng.normal(), conformity: rng.next(), familiar: rng.next() < 0.5 ? 1 : 0, recent: rng.next(), trend: 0, logSampled: 0 })
      return { chosen: c(), alternatives: Array.from({ length: 9 }, c) }
    })
    const fit = fitChoiceModel(events, DEFAULT_WATCH)
    for (const w of [fit.utility, fit.popularity, fit.familiarity]) expect(Math.abs(w)).toBeLessThan(0.3)
  })
})

describe('the choice logit', () => {
  it('reads the fitted trend term', async () => {
    const { choiceLogit } = await import('../../src/core/index.ts')
    const persona = { favouriteCategories: [], traits: { conformity: 0.5, activity: 0.5, diversity: 0.5 } } as never
    const item = { id: 3, popularity: 0.5, category: 'x' } as never
    const base: ChoiceParams = { utility: 0, popularity: 1, popularityByConformity: 0, familiarity: 0, activity: 0, bias: 0, positionBias: 0 }
    const lp = Math.log(0.5 * 10)
    expect(choiceLogit(base, persona, item, 0, 0, 10)).toBeCloseTo(lp, 9)
    expect(choiceLogit({ ...base, trending: { items: [1, 3], scores: [4, 2] }, trendTaste: 0.5 }, persona, item, 0, 0, 10)).toBeCloseTo(lp + 1, 9)
    expect(choiceLogit({ ...base, trending: { items: [1], scores: [4] }, trendTaste: 0.5 }, persona, item, 0, 0, 10)).toBeCloseTo(lp, 9)
  })
})

describe('the real data agreeing with itself', () => {
  it('is 1 for well separated policies and near 0 for policies that only differ by noise', async () => {
    const { splitHalfAgreement } = await import('../../src/fidelity/rank-agreement.ts')
    const rng = rngFor(3, 'split-half-test')
    const separated = [0, 1, 2, 3].map((p) => Array.from({ length: 200 }, () => p + 0.1 * rng.normal()))
    const s = splitHalfAgreement(separated, { seed: 1 })
    expect(s.spearman.value).toBe(1)
    expect(s.corrected).toBe(1)
    const ties = [0, 1, 2, 3, 4, 5].map(() => Array.from({ length: 200 }, () => rng.normal()))
    const t = splitHalfAgreement(ties, { seed: 1 })
    expect(Math.abs(t.spearman.value)).toBeLessThan(0.25)
    expect(t.spearman.lo).toBeLessThan(0)
    expect(t.spearman.hi).toBeGreaterThan(0)
    // Seeded: the same splits again.
    expect(splitHalfAgreement(ties, { seed: 1 })).toEqual(t)
  })
})
