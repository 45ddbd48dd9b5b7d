import { describe, expect, it } from 'vitest'
import { CLICK_BINS, distributionFits, jsDivergence, SESSION_BINS, sessionBin, sessionLengths } from '../../src/fidelity/distributions.ts'
import { Trending } from '../../src/fidelity/trending.ts'
import { splitByTime } from '../../src/fidelity/split.ts'
import { fitWatchModel, watchLogit, type WatchExample } from '../../src/fidelity/watch-model.ts'
import { rngFor } from '../../src/core/index.ts'
import type { Dataset } from '../../src/data/index.ts'

describe('Jensen–Shannon divergence', () => {
  it('is 0 for the same shape, 1 for disjoint support, symmetric, and reads counts as shares', () => {
    expect(jsDivergence([1, 2, 3], [2, 4, 6])).toBeCloseTo(0, 12)
    expect(jsDivergence([1, 0], [0, 1])).toBeCloseTo(1, 12)
    expect(jsDivergence([0.7, 0.3], [0.2, 0.8])).toBeCloseTo(jsDivergence([0.2, 0.8], [0.7, 0.3]), 12)
    // By hand: p = (½, ½), q = (1, 0): m = (¾, ¼); ½·[½ log2(⅔) + ½ log2 2] + ½·log2(4/3).
    const hand = 0.5 * (0.5 * Math.log2(0.5 / 0.75) + 0.5 * Math.log2(0.5 / 0.25)) + 0.5 * Math.log2(1 / 0.75)
    expect(jsDivergence([1, 1], [1, 0])).toBeCloseTo(hand, 12)
  })
})

describe('sessions of a rating log', () => {
  it('splits a user’s actions where they paused over 30 minutes, in time order', () => {
    expect(sessionLengths([0, 60, 120, 10_000, 10_060, 50_000])).toEqual([3, 2, 1])
    expect(sessionLengths([10_060, 0, 10_000, 60])).toEqual([2, 2])
    expect(sessionLengths([])).toEqual([])
    expect([1, 2, 3, 4, 5, 6, 10, 11, 400].map(sessionBin)).toEqual([0, 1, 2, 3, 3, 4, 4, 5, 5])
  })

  it('compares ratings and items per session with the real side, and says when the data has no slates', () => {
    const scale = { min: 1, max: 5, step: 1 }
    const real = { ratings: [5, 4, 4, 3], sessionLengths: [1, 2, 12] }
    const same = distributionFits(real, { ratings: [5, 4, 4, 3], clicksPerVisit: [0, 1, 2, 12, 0] }, 'p', scale)
    expect(same.map((d) => d.quantity)).toEqual(['rating', 'itemsPerSession', 'clicksPerSlate'])
    expect(same[0]!.js).toBe(0)
    expect(same[0]!.bins).toEqual(['1', '2', '3', '4', '5'])
    // Visits without a click leave no trace in a rating log: they are not sessions.
    expect(same[1]!.js).toBe(0)
    expect(same[1]!.bins).toEqual(SESSION_BINS)
    expect(same[2]).toMatchObject({ real: null, js: null, bins: CLICK_BINS, simulated: [0.4, 0.2, 0.2, 0.2] })
    const off = distributionFits(real, { ratings: [1, 1, 2], clicksPerVisit: [1, 1, 1] }, 'p', scale)
    expect(off[0]!.js).toBe(1)
    expect(off[1]!.js!).toBeGreaterThan(0.3)
    expect(distributionFits(real, { ratings: [], clicksPerVisit: [0, 0] }, 'p', scale)[0]!.js).toBeNull()
  })
})

function tinyLog(times: number[][]): Dataset {
  const u: number[] = []
  const i: number[] = []
  const t: number[] = []
  times.forEach((row, user) => row.forEach((time, k) => (u.push(user), i.push((user + k) % 3), t.push(time))))
  return {
    format: 'csv',
    source: 'tiny',
    items: [0, 1, 2].map((k) => ({ key: String(k), title: `F${k}`, genres: [], tags: [] })),
    users: times.map((_, k) => ({ key: `u${k}` })),
    ratings: { length: u.length, user: Int32Array.from(u), item: Int32Array.from(i), value: new Float32Array(u.length).fill(4), time: Float64Array.from(t) },
    tagApplications: [],
    scale: { min: 1, max: 5, step: 1 },
  }
}

describe('trending popularity', () => {
  const DAY = 86_400
  it('counts only training rows of the window before the moment, rounded down to 30 days', () => {
    // User 0 rates items 0,1,2,0,… early; user 1 rates items 1,2,0,… a year later.
    const data = tinyLog([
      Array.from({ length: 10 }, (_, k) => 100 * DAY + k),
      Array.from({ length: 10 }, (_, k) => 400 * DAY + k),
    ])
    const splits = splitByTime(data, { trainFraction: 0.8 })
    const tr = new Trending(data, splits)
    const early = tr.at(390 * DAY) // window [360 days before the 30-day step, the step): user 0's rows only
    expect(early[0]!).toBeGreaterThan(early[2]!) // user 0 rated items 0,1,2,0,1,2,0,1 in training
    expect(tr.at(420 * DAY)[1]!).toBeGreaterThan(tr.at(420 * DAY)[0]!) // user 1 (items 1,2,0,…) joins the window
    // Before any training row: nothing known, all zero.
    expect([...tr.at(10 * DAY)]).toEqual([0, 0, 0])
    // Held-out rows never count: changing them leaves every moment unchanged.
    const moved = { ...data, ratings: { ...data.ratings, item: Int32Array.from(data.ratings.item) } }
    for (const s of splits) for (const k of s.test) moved.ratings.item[k] = 2
    const again = new Trending(moved, splits)
    for (const d of [390, 420, 800]) expect([...again.at(d * DAY)]).toEqual([...tr.at(d * DAY)])
  })
})

describe('watch model terms', () => {
  it('fits co-consumption and trend weights, and a popularity-only judge that ignores the rest', () => {
    const rng = rngFor(5, 'watch-terms')
    const examples: WatchExample[] = []
    for (let k = 0; k < 4000; k++) {
      const f = { utility: rng.normal(), lp: rng.normal(), conformity: rng.next(), activity: rng.next(), familiar: rng.next() < 0.3 ? 1 : 0, near: rng.next() * 2, trend: rng.normal() }
      const z = 0.8 * f.utility + 0.5 * f.lp + 1.5 * f.near + 0.7 * f.trend - 1
      examples.push({ ...f, watched: rng.next() < 1 / (1 + Math.exp(-z)) })
    }
    const w = fitWatchModel(examples)
    expect(w.recent).toBeGreaterThan(1.1)
    expect(w.recent).toBeLessThan(1.9)
    expect(w.trend).toBeGreaterThan(0.5)
    expect(w.trend).toBeLessThan(0.9)
    const pop = fitWatchModel(examples, undefined, 'popularity')
    expect(pop).toMatchObject({ utility: 0, popularityByConformity: 0, activity: 0, familiarity: 0, recent: 0, trend: 0 })
    expect(pop.popularity).toBeGreaterThan(0.2)
    const f = { utility: 2, lp: 0, conformity: 0.5, activity: 0.5, familiar: 0, near: 1, trend: 0 }
    expect(watchLogit(pop, f)).toBeCloseTo(pop.bias, 6)
    expect(watchLogit(w, f)).toBeGreaterThan(watchLogit(w, { ...f, near: 0 }))
  })
})

describe('ratings on whole stars', () => {
  it('rounds half stars and maps other scales onto 1–5', async () => {
    const { toStars } = await import('../../src/fidelity/distributions.ts')
    expect([0.5, 1, 2.5, 3.5, 5].map(toStars({ min: 0.5, max: 5 }))).toEqual([1, 1, 3, 4, 5])
    expect([1, 10, 5.5].map(toStars({ min: 1, max: 10 }))).toEqual([1, 5, 3])
  })
})
