import { describe, expect, it } from 'vitest'
import { addAgreement, emptyAudit, estimate, histogramW1, mergeAudit, rmsEstimate } from '../../../src/distill/audit-tally.ts'

describe('the shadow audit sums', () => {
  it('give means with 95% intervals that narrow with more calls, and merge across shards exactly', () => {
    const a = emptyAudit()
    const b = emptyAudit()
    for (let k = 0; k < 40; k++) addAgreement(k < 20 ? a : b, { clickF1: k % 4 === 0 ? 0 : 1, ratingErrors: [k % 2 ? 1 : 0], satisfaction: [0.55, k % 2 ? 0.55 : 0.95] })
    const whole = emptyAudit()
    mergeAudit(whole, a)
    mergeAudit(whole, b)
    const e = estimate(whole.clickF1)!
    expect(e).toMatchObject({ n: 40, mean: 0.75 })
    expect(e.lo).toBeLessThan(0.75)
    expect(e.hi).toBeGreaterThan(0.75)
    const half = estimate(a.clickF1)!
    expect(half.hi - half.lo).toBeGreaterThan(e.hi - e.lo)
    expect(rmsEstimate(whole.ratingError)!.mean).toBeCloseTo(Math.sqrt(0.5), 4)
    // Half the surrogate answers sit four bins higher: W1 = 0.5 × 0.4.
    expect(histogramW1(whole.satisfactionModel, whole.satisfactionSurrogate)).toBeCloseTo(0.2, 4)
    expect(estimate(emptyAudit().leaveAgree)).toBeNull()
    expect(histogramW1(emptyAudit().satisfactionModel, whole.satisfactionSurrogate)).toBeNull()
  })
})
