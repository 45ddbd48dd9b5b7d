import type { Dataset } from '../data/index.ts'
import type { UserSplit } from './split.ts'

/** Per-user facts from training rows that become the Agent4Rec traits (each a percentile in [0, 1]). */
export interface UserTraitFacts {
  count: number
  /** Mean log relative popularity of what the user rated (popularity bias). */
  popularityBias: number
  /** How many genres cover 80 % of the user's genre occurrences (Agent4Rec's diversity). */
  genresFor80: number
  /** Mean squared gap between the user's ratings and the items' mean ratings (Agent4Rec's conformity; low = conforming). */
  ratingGap: number
}

/** `lp_i = log(popularity_i · N)`: > 0 for items more popular than uniform. */
export function logPopularity(counts: Float64Array): Float64Array {
  let total = 0
  for (const c of counts) total += c + 1
  const n = counts.length
  return Float64Array.from(counts, (c) => Math.log(((c + 1) / total) * n))
}

export function traitFacts(data: Dataset, splits: readonly UserSplit[], lp: Float64Array): UserTraitFacts[] {
  const R = data.ratings
  const sum = new Float64Array(data.items.length)
  const cnt = new Float64Array(data.items.length)
  for (const s of splits) for (const k of s.train) (sum[R.item[k]!]! += R.value[k]!), cnt[R.item[k]!]!++
  return splits.map((s) => {
    const genreCount = new Map<string, number>()
    let pb = 0
    let gap = 0
    for (const k of s.train) {
      const i = R.item[k]!
      pb += lp[i]!
      gap += (R.value[k]! - sum[i]! / cnt[i]!) ** 2
      for (const g of data.items[i]!.genres) genreCount.set(g, (genreCount.get(g) ?? 0) + 1)
    }
    const counts = [...genreCount.values()].sort((a, b) => b - a)
    const total = counts.reduce((a, b) => a + b, 0)
    let covered = 0
    let k80 = 0
    for (const c of counts) {
      if (covered >= 0.8 * total) break
      covered += c
      k80++
    }
    const n = Math.max(1, s.train.length)
    return { count: s.train.length, popularityBias: pb / n, genresFor80: k80, ratingGap: gap / n }
  })
}

/** Mid-rank percentiles in [0, 1] (ties share a rank), so traits are comparable across datasets. */
export function percentiles(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0])
  const out = new Array<number>(values.length)
  let k = 0
  while (k < order.length) {
    let j = k
    while (j + 1 < order.length && order[j + 1]![0] === order[k]![0]) j++
    const p = order.length > 1 ? (k + j) / 2 / (order.length - 1) : 0.5
    for (let t = k; t <= j; t++) out[order[t]![1]] = p
    k = j + 1
  }
  return out
}

/** Agent4Rec's activity buckets: below the 60th percentile, 60th–90th, and above. */
export type ActivityBucket = 'low' | 'medium' | 'high'

export function activityBucket(activity: number): ActivityBucket {
  return activity < 0.6 ? 'low' : activity < 0.9 ? 'medium' : 'high'
}
