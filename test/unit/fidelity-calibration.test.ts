import { describe, expect, it } from 'vitest'
import { compilePersona, indexCatalog, rngFor, trueUtility } from '../../src/core/index.ts'
import type { Dataset } from '../../src/data/index.ts'
import { calibrate } from '../../src/fidelity/calibrate.ts'
import { alignment, distributionDistance, histogram } from '../../src/fidelity/metrics.ts'
import { evaluateFidelity } from '../../src/fidelity/protocol.ts'
import { utilityOf } from '../../src/fidelity/rating-model.ts'
import { splitByTime } from '../../src/fidelity/split.ts'
import { percentiles } from '../../src/fidelity/traits.ts'
import { surrogateRunner } from '../../src/llm/surrogate-runner.ts'

const GENRES = ['Alpha', 'Beta', 'Gamma', 'Delta', 'Epsilon']

/**
 * A synthetic log with known structure: user u loves genre u mod 5, items have a
 * quality, popular items get rated more, and every user's history is in time order.
 */
function syntheticDataset(users = 80, items = 120, seed = 7): Dataset {
  const rng = rngFor(seed, 'synthetic-dataset')
  const it = Array.from({ length: items }, (_, i) => ({
    key: String(i + 1),
    title: `Film ${i + 1} (${2000 + (i % 20)})`,
    genres: [GENRES[i % 5]!, ...(i % 3 === 0 ? [GENRES[(i + 2) % 5]!] : [])],
    tags: [],
    year: 2000 + (i % 20),
  }))
  const quality = it.map(() => rng.normal() * 0.6)
  const u: number[] = []
  const iCol: number[] = []
  const v: number[] = []
  const t: number[] = []
  for (let user = 0; user < users; user++) {
    const fav = GENRES[user % 5]!
    const n = 10 + (user % 7) * 6
    const seen = new Set<number>()
    for (let k = 0; k < n; k++) {
      // Popular (low index) items and favourite-genre items are picked more often.
      let item = Math.floor(items * rng.next() ** 2)
      if (rng.next() < 0.4) item = (user % 5) + 5 * Math.floor((rng.next() * items) / 5)
      if (seen.has(item) || item >= items) continue
      seen.add(item)
      const r = 3 + (it[item]!.genres.includes(fav) ? 1.2 : -0.3) + quality[item]! + 0.4 * rng.normal()
      u.push(user)
      iCol.push(item)
      v.push(Math.min(5, Math.max(1, Math.round(r))))
      t.push(1_000_000 + user * 10_000 + k * 60)
    }
  }
  return {
    format: 'csv',
    source: 'synthetic',
    items: it,
    users: Array.from({ length: users }, (_, k) => ({ key: `u${k}` })),
    ratings: { length: u.length, user: Int32Array.from(u), item: Int32Array.from(iCol), value: Float32Array.from(v), time: Float64Array.from(t) },
    tagApplications: [
      { user: 0, item: 0, tag: 'early', time: 1_000_000 },
      { user: 0, item: 1, tag: 'late', time: 1_009_999 },
    ],
    scale: { min: 1, max: 5, step: 1 },
  }
}

describe('time-ordered split', () => {
  it('puts each user’s oldest ratings in training and the newest in the held-out part', () => {
    const d = syntheticDataset()
    const splits = splitByTime(d, { trainFraction: 0.8 })
    for (const s of splits) {
      const n = s.train.length + s.test.length
      expect(s.train.length).toBe(Math.round(n * 0.8))
      const lastTrain = Math.max(...Array.from(s.train, (k) => d.ratings.time[k]!))
      for (const k of s.test) expect(d.ratings.time[k]!).toBeGreaterThanOrEqual(lastTrain)
      expect(s.cutoff).toBe(lastTrain)
    }
  })
})

describe('calibration', () => {
  const data = syntheticDataset()
  const cal = calibrate(data, { seed: 3 })
  const idx = indexCatalog(cal.catalog)

  it('writes personas whose trueUtility is the fitted rating deviation', () => {
    for (let u = 0; u < data.users.length; u += 7) {
      const cp = compilePersona(cal.personas[u]!, idx)
      for (let i = 0; i < data.items.length; i += 5) {
        expect(trueUtility(cp, idx, i)).toBeCloseTo(utilityOf(cal.model, u, i), 3)
      }
    }
  })

  it('keeps item vectors unit length and fields in their ranges', () => {
    for (const it of cal.catalog.items) {
      expect(Math.hypot(...it.vector)).toBeCloseTo(1, 4)
      expect(it.quality).toBeGreaterThanOrEqual(0)
      expect(it.quality).toBeLessThanOrEqual(1)
      expect(it.popularity).toBeGreaterThan(0)
    }
    for (const p of cal.personas) {
      for (const x of Object.values(p.traits)) expect(x).toBeGreaterThanOrEqual(0), expect(x).toBeLessThanOrEqual(1)
      expect(p.expectation).toBeGreaterThan(0)
      expect(p.expectation).toBeLessThan(1)
    }
  })

  it('finds each user’s favourite genre', () => {
    let hits = 0
    for (const p of cal.personas) {
      const fav = GENRES[p.id % 5]!
      if (p.likes[0]?.tag === fav || p.favouriteCategories.includes(fav)) hits++
    }
    expect(hits / cal.personas.length).toBeGreaterThan(0.8)
  })

  it('reads the rating scale use and the Agent4Rec traits from training rows only', () => {
    const R = data.ratings
    for (const s of cal.splits.slice(0, 10)) {
      const vals = Array.from(s.train, (k) => R.value[k]!)
      const mean = vals.reduce((a, b) => a + b, 0) / vals.length
      expect(Math.abs(cal.personas[s.user]!.rating.mean - mean)).toBeLessThan(0.6)
    }
    // Activity is the percentile of the training count.
    const byCount = [...cal.splits].sort((a, b) => a.train.length - b.train.length)
    expect(cal.personas[byCount[0]!.user]!.traits.activity).toBeLessThan(cal.personas[byCount.at(-1)!.user]!.traits.activity)
  })

  it('does not peek: changing held-out ratings and later tags leaves catalog and personas unchanged', () => {
    const altered = syntheticDataset()
    const value = Float32Array.from(altered.ratings.value)
    for (const s of splitByTime(altered)) for (const k of s.test) value[k] = value[k] === 5 ? 1 : 5
    altered.ratings = { ...altered.ratings, value }
    altered.tagApplications = [altered.tagApplications[0]!, { user: 0, item: 1, tag: 'changed-later', time: 1_009_999 }]
    const again = calibrate(altered, { seed: 3 })
    expect(again.personas).toEqual(cal.personas)
    expect(again.catalog).toEqual(cal.catalog)
    expect(again.profiles).toEqual(cal.profiles)
    expect(again.watch).toEqual(cal.watch)
  })

  it('writes a taste profile from the same facts', () => {
    const p = cal.personas[3]!
    const text = cal.profiles[3]!
    expect(text).toContain(`You have rated ${cal.splits[3]!.train.length} films.`)
    if (p.likes[0] && p.likes[0].weight >= 0.1) expect(text).toContain(p.likes[0].tag)
    const heldOut = new Set(Array.from(cal.splits[3]!.test, (k) => data.items[data.ratings.item[k]!]!.title))
    const trained = new Set(Array.from(cal.splits[3]!.train, (k) => data.items[data.ratings.item[k]!]!.title))
    for (const title of heldOut) if (!trained.has(title)) expect(text).not.toContain(title)
  })
})

describe('fidelity protocol', () => {
  const cal = calibrate(syntheticDataset(), { seed: 3 })

  it('is seeded and deterministic, and mixes k·m negatives per ratio', async () => {
    const a = await evaluateFidelity(cal, surrogateRunner(), { ratios: [1, 3], seed: 5 })
    const b = await evaluateFidelity(cal, surrogateRunner(), { ratios: [1, 3], seed: 5 })
    expect(a).toEqual(b)
    expect(a.ratios.map((r) => r.ratio)).toEqual(['1:1', '1:3'])
    const [one, three] = a.ratios
    // At 1:1 every shown positive has one negative; at 1:3, three.
    expect(one!.n % 2).toBe(0)
    expect(three!.n % 4).toBe(0)
    expect(one!.accuracy).toBeGreaterThan(0.6)
    expect(a.byActivity.low.users + a.byActivity.medium.users + a.byActivity.high.users).toBe(a.usersEvaluated)
    const c = await evaluateFidelity(cal, surrogateRunner(), { ratios: [1], seed: 6, users: 10 })
    expect(c.usersEvaluated).toBe(10)
  })
})

describe('metrics', () => {
  it('computes accuracy, precision, recall and F1', () => {
    expect(alignment({ tp: 3, fp: 1, tn: 4, fn: 2 })).toEqual({ accuracy: 0.7, precision: 0.75, recall: 0.6, f1: 0.6667, n: 10 })
  })

  it('measures distribution distance in rating points', () => {
    const scale = { min: 1, max: 5, step: 1 }
    const same = distributionDistance(histogram([1, 2, 5], scale), histogram([5, 2, 1], scale), 1)
    expect(same.emd).toBe(0)
    const shifted = distributionDistance(histogram([1, 1, 1], scale), histogram([3, 3, 3], scale), 1)
    expect(shifted.emd).toBe(2)
    expect(shifted.tv).toBe(1)
  })

  it('ranks percentiles with ties sharing a rank', () => {
    expect(percentiles([10, 20, 20, 30])).toEqual([0, 0.5, 0.5, 1])
  })
})
