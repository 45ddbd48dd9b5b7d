import { describe, expect, it } from 'vitest'
import { rngFor } from '../../src/core/index.ts'
import { fitGbdt, predictGbdt } from '../../src/uplift/gbdt.ts'
import { fitLinear, predictLinear } from '../../src/uplift/linear.ts'
import { fitUplift, predictUplift, type BaseName, type LearnerName } from '../../src/uplift/learners.ts'
import { auucTrue } from '../../src/uplift/metrics.ts'

/** A planted effect: uplift 0.4 where x0 > 0.5, none elsewhere; x1 shifts the baseline; x2 is noise. */
function planted(n: number, seed: number) {
  const rng = rngFor(seed, 'planted')
  const x: number[][] = []
  const t: number[] = []
  const y: number[] = []
  const tau: number[] = []
  for (let i = 0; i < n; i++) {
    const row = [rng.next(), rng.next(), rng.next()]
    const arm = rng.next() < 0.5 ? 1 : 0
    const effect = row[0]! > 0.5 ? 0.4 : 0
    const p = 0.15 + 0.2 * row[1]! + effect * arm
    x.push(row)
    t.push(arm)
    y.push(rng.next() < p ? 1 : 0)
    tau.push(effect)
  }
  return { x, t, y, e: t.map(() => 0.5), tau }
}

describe('base models', () => {
  it('GBDT fits a step and a probability', () => {
    const x0 = Array.from({ length: 400 }, (_, i) => i / 400)
    const y = x0.map((v) => (v > 0.6 ? 3 : -1))
    const m = fitGbdt([x0], y, { loss: 'squared', trees: 50, minLeaf: 5 })
    expect(predictGbdt(m, [0.2])).toBeCloseTo(-1, 1)
    expect(predictGbdt(m, [0.9])).toBeCloseTo(3, 1)
    const yb = x0.map((v) => (v > 0.5 ? 1 : 0))
    const mb = fitGbdt([x0], yb, { loss: 'logistic', trees: 80, minLeaf: 5 })
    expect(predictGbdt(mb, [0.1])).toBeLessThan(0.1)
    expect(predictGbdt(mb, [0.9])).toBeGreaterThan(0.9)
    expect(JSON.parse(JSON.stringify(mb))).toEqual(mb) // plain data
  })

  it('linear regression recovers coefficients; logistic regression a slope', () => {
    const rng = rngFor(1, 'lin')
    const a = Array.from({ length: 500 }, () => rng.normal())
    const b = Array.from({ length: 500 }, () => rng.normal())
    const y = a.map((v, i) => 2 + 3 * v - 1.5 * b[i]!)
    const m = fitLinear([a, b], y, { loss: 'squared', l2: 1e-9 })
    expect(predictLinear(m, [1, 1])).toBeCloseTo(3.5, 6)
    const yl = a.map((v) => (rng.next() < 1 / (1 + Math.exp(-2 * v)) ? 1 : 0))
    const ml = fitLinear([a], yl, { loss: 'logistic', l2: 1e-6 })
    expect(predictLinear(ml, [0])).toBeCloseTo(0.5, 1)
    expect(predictLinear(ml, [1])).toBeGreaterThan(0.8)
  })
})

describe('uplift learners recover a planted effect', () => {
  const train = planted(6000, 1)
  const test = planted(2000, 2)
  for (const base of ['gbdt', 'logistic'] as BaseName[]) {
    for (const learner of ['s', 't', 'to'] as LearnerName[]) {
      it(`${learner}-learner on ${base}`, () => {
        const m = fitUplift(learner, train, { base })
        const pred = predictUplift(m, test.x)
        let hi = 0
        let lo = 0
        let nh = 0
        let nl = 0
        test.x.forEach((r, i) => (r[0]! > 0.5 ? ((hi += pred[i]!), nh++) : ((lo += pred[i]!), nl++)))
        // The effect is 0.4 where x0 > 0.5: the learners see most of that gap (a linear base blurs the step).
        expect(hi / nh - lo / nl).toBeGreaterThan(base === 'gbdt' ? 0.25 : 0.2)
        expect(Math.abs(lo / nl)).toBeLessThan(0.12)
        // Ranking by predicted uplift beats random targeting (area tau_mean / 2 = 0.1).
        expect(auucTrue(pred, test.tau)).toBeGreaterThan(0.13)
        // The model survives structuredClone (a policy keeps it in its state).
        expect(Array.from(predictUplift(structuredClone(m), test.x.slice(0, 5)))).toEqual(Array.from(pred.slice(0, 5)))
      })
    }
  }

  it('the transformed-outcome learner refuses data without randomised rows', () => {
    expect(() => fitUplift('to', { ...train, e: train.t.map((v) => v) })).toThrow(/randomised rows/)
  })
})
