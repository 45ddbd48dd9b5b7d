import { describe, expect, it } from 'vitest'
import { generateCatalog, indexCatalog, packRows, rowAt, type OutcomeRow } from '../../src/core/index.ts'
import { computeRoundMetrics, gini, idealList, intraListDiversity, ndcgAgainstOracle, novelty } from '../../src/metrics/index.ts'

const row = (agent: number, over: Partial<OutcomeRow> = {}): OutcomeRow => ({
  agent, round: 0, present: true, returned: false, slate: [0, 1, 2], clicks: [], ratings: [], satisfaction: 0.5, left: false,
  ndcg: Number.NaN, ild: 0.5, novelty: 3, violations: 0, utterances: [], ...over,
})

describe('gini', () => {
  it('is 0 for equal exposure and near 1 when one item gets everything', () => {
    expect(gini([5, 5, 5, 5])).toBeCloseTo(0)
    expect(gini([0, 0, 0, 100])).toBeCloseTo(0.75)
    expect(gini([])).toBe(0)
  })
})

describe('NDCG against the oracle', () => {
  const util = [0.1, 2, -1, 1.5, 0.3, 0.9]
  const u = (i: number) => util[i]!
  it('is 1 for the oracle slate and less for a worse one', () => {
    expect(ndcgAgainstOracle(u, util.length, [1, 3, 5], [])).toBeCloseTo(1)
    expect(ndcgAgainstOracle(u, util.length, [5, 3, 1], [])).toBeLessThan(1)
    expect(ndcgAgainstOracle(u, util.length, [2, 0, 4], [])).toBeLessThan(0.2)
  })
  it('excludes the history from the ideal, and a cached ideal list gives the same answer', () => {
    expect(ndcgAgainstOracle(u, util.length, [3, 5, 4], [1])).toBeCloseTo(1)
    const ideal = idealList(u, util.length, 5)
    expect(ndcgAgainstOracle(u, util.length, [5, 0, 4], [1], ideal)).toBeCloseTo(ndcgAgainstOracle(u, util.length, [5, 0, 4], [1]))
  })
})

describe('slate metrics', () => {
  const catalog = generateCatalog({ seed: 1, size: 300 })
  const idx = indexCatalog(catalog)
  it('measures diversity in [0, 2] and novelty as self-information', () => {
    const d = intraListDiversity(idx, [0, 1, 2, 3])
    expect(d).toBeGreaterThan(0)
    expect(d).toBeLessThanOrEqual(2)
    expect(intraListDiversity(idx, [5])).toBe(0)
    expect(novelty(idx, [0])).toBeCloseTo(-Math.log2(catalog.items[0]!.popularity), 4)
  })
})

describe('round metrics', () => {
  it('counts clicks, ratings, leaves, returns and coverage from row batches', () => {
    const rows = [
      row(0, { clicks: [1], ratings: [4], satisfaction: 0.9 }),
      row(1, { clicks: [0, 2], ratings: [2, 5], left: true, satisfaction: 0.1 }),
      row(2, { present: false, slate: [] }),
      row(3, { returned: true, slate: [3, 4, 5], ndcg: 0.5 }),
    ]
    const m = computeRoundMetrics([packRows(rows.slice(0, 2), 0, 0, 3), packRows(rows.slice(2), 0, 2, 3)], { round: 0, catalogSize: 10, awayBefore: 2 })
    expect(m.present).toBe(3)
    expect(m.impressions).toBe(9)
    expect(m.clicks).toBe(3)
    expect(m.ctr).toBeCloseTo(3 / 9, 5)
    expect(m.meanRating).toBeCloseTo(11 / 3, 5)
    expect(m.leaveRate).toBeCloseTo(1 / 3, 5)
    expect(m.returnRate).toBeCloseTo(0.5, 5)
    expect(m.coverage).toBeCloseTo(0.6, 5)
    expect(m.ndcg).toBeCloseTo(0.5)
    expect(m.ndcgSampled).toBe(1)
    expect(m.satisfactionHist.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 5)
  })

  it('round-trips rows through the columnar batch', () => {
    const r = row(7, { clicks: [2], ratings: [5], utterances: [{ kind: 'praise', text: 'nice' }], left: true })
    const b = packRows([row(6), r], 3, 6, 3)
    expect(rowAt(b, 1)).toEqual({ ...r, round: 3 })
  })
})
