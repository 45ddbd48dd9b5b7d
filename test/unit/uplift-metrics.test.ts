import { describe, expect, it } from 'vitest'
import { auuc, auucTrue, deciles, pehe, qini, trueUpliftAt, upliftAt, upliftCurves } from '../../src/uplift/metrics.ts'

// Four rows ranked 0, 1, 2, 3: (treated, bought), (control, no), (treated, no), (control, bought).
const score = [4, 3, 2, 1]
const t = [1, 0, 1, 0]
const y = [1, 0, 0, 1]

describe('uplift metrics on a hand-computed ranking', () => {
  it('Qini and uplift curves, per capita', () => {
    const c = upliftCurves(score, y, t)
    expect(c.qini.x).toEqual([0, 0.25, 0.5, 0.75, 1])
    // Q(k) = Y_T − Y_C·N_T/N_C: 1 (no control yet), 1, 1, 1 − 1·2/2 = 0; divided by n = 4.
    expect(c.qini.y).toEqual([0, 0.25, 0.25, 0.25, 0])
    // U(k) = (Y_T/N_T − Y_C/N_C)·k/n: 1·¼, 1·½, ½·¾, 0.
    expect(c.uplift.y).toEqual([0, 0.25, 0.5, 0.375, 0])
  })

  it('AUUC is the trapezoid area under the uplift curve; Qini the area above the random line', () => {
    expect(auuc(score, y, t)).toBeCloseTo(0.28125, 12)
    expect(qini(score, y, t)).toBeCloseTo(0.1875, 12) // random line ends at Q(n)/n = 0
  })

  it('a reversed ranking scores worse', () => {
    const rev = score.map((s) => -s)
    expect(auuc(rev, y, t)).toBeLessThan(auuc(score, y, t))
    expect(qini(rev, y, t)).toBeLessThan(qini(score, y, t))
  })

  it('tied scores form one step: the order within ties does not matter', () => {
    expect(upliftCurves([1, 1, 1, 1], y, t).qini.y).toEqual([0, 0])
    expect(auuc([1, 1, 1, 1], y, t)).toBe(0)
    expect(qini([2, 1, 1, 0], [0, 1, 0, 0], [1, 1, 0, 0])).toBe(qini([2, 1, 1, 0], [0, 0, 1, 0], [1, 0, 1, 0]))
  })

  it('uplift@k, true uplift@k, AUUC* and PEHE', () => {
    expect(upliftAt(score, y, t, 0.5)).toBe(1) // top two: treated bought, control did not
    expect(upliftAt(score, y, t, 0.25)).toBeNaN() // no control row in the top one
    expect(trueUpliftAt([3, 2, 1], [1, 0, -1], 1 / 3)).toBe(1)
    // Σ_top τ / n = ⅓, ⅓, 0 at x = ⅓, ⅔, 1: area 1/18 + 2/18 + 1/18.
    expect(auucTrue([3, 2, 1], [1, 0, -1])).toBeCloseTo(4 / 18, 12)
    expect(pehe([1, 2], [0, 0])).toBeCloseTo(Math.sqrt(2.5), 12)
    // A tie across the cut counts in proportion: a constant score gets the overall mean.
    expect(trueUpliftAt([5, 5, 5, 5], [1, 0, 0, 1], 0.25)).toBe(0.5)
    expect(trueUpliftAt([9, 5, 5, 1], [1, 0, 1, 0], 0.5)).toBe(0.75) // row 0, then half of rows 1 and 2
    expect(upliftAt([1, 1, 1, 1], y, t, 0.25)).toBe(0) // treated mean ½ minus control mean ½
    expect(pehe([0.5, -0.5], [0.5, -0.5])).toBe(0)
  })

  it('deciles: 0 is the top tenth', () => {
    const d = deciles(Array.from({ length: 20 }, (_, i) => 20 - i))
    expect(Array.from(d)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9])
  })
})
