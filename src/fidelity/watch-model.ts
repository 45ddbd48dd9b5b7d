import { rngFor } from '../core/index.ts'
import { solveSpd } from './linalg.ts'

/**
 * Whether a simulated user would watch (and like) an item, as a logistic function of
 * what its persona holds: z = a·utility + (p0 + p1·(conformity − ½))·lp + c1·(activity − ½) + c0,
 * plus f·familiar, where familiar is 1 when the item has one of the persona's favourite
 * genres (a choice signal: what the user watches, not how they rate it), plus r·near, the
 * item's co-consumption affinity to the user's latest items (people who watched what you
 * watched last also watched this), plus t·trend, the item's log relative popularity in the
 * year before the user's time (trending.ts), with lp the item's log relative popularity
 * over the whole training log. The eight coefficients are fitted once per population on an inner validation split carved from
 * the training data.
 */
export interface WatchModel {
  utility: number
  popularity: number
  popularityByConformity: number
  activity: number
  bias: number
  familiarity: number
  /** Weight of the co-consumption affinity to the user's latest items (0 when not fitted). */
  recent: number
  /** Weight of the item's popularity in the year before the user's time (0 when not fitted). */
  trend: number
}

/** A neutral model used before fitting and when too little data exists to fit one. */
export const DEFAULT_WATCH: WatchModel = { utility: 1, popularity: 1, popularityByConformity: 1, activity: 0, bias: 0, familiarity: 0, recent: 0, trend: 0 }

/** What the watch model reads of one item for one user. */
export interface WatchFeatures {
  utility: number
  /** Log relative popularity over the training log. */
  lp: number
  conformity: number
  activity: number
  /** 1 if the item has one of the user's favourite genres. */
  familiar: number
  /** Co-consumption affinity to the user's latest items. */
  near: number
  /** Log relative popularity in the year before the user's time. */
  trend: number
}

export function watchLogit(w: WatchModel, f: WatchFeatures): number {
  return (
    w.utility * f.utility +
    w.recent * f.near +
    w.trend * f.trend +
    (w.popularity + w.popularityByConformity * (f.conformity - 0.5)) * f.lp +
    w.activity * (f.activity - 0.5) +
    w.familiarity * f.familiar +
    w.bias
  )
}

/** One labelled example: what the model reads, and whether the user watched (and liked) it. */
export interface WatchExample extends WatchFeatures {
  watched: boolean
}

/** Which terms a fit may use: all (the persona's judge), or popularity alone (the honest baseline beside alignment). */
export type WatchTerms = 'all' | 'popularity'

/**
 * Fits the watch model by ridge-penalised logistic regression (Newton steps). With
 * `terms: 'popularity'` only the popularity slope and the intercept are fitted: a judge
 * that knows nothing of the user, the baseline alignment figures must beat.
 */
export function fitWatchModel(examples: readonly WatchExample[], ridge = 1e-2, terms: WatchTerms = 'all'): WatchModel {
  if (examples.length < 20) return terms === 'all' ? DEFAULT_WATCH : { ...DEFAULT_WATCH, utility: 0, popularityByConformity: 0 }
  const n = 8
  const all = terms === 'all' ? 1 : 0
  const feats = (e: WatchExample) => [all * e.utility, e.lp, all * (e.conformity - 0.5) * e.lp, all * (e.activity - 0.5), all * e.familiar, all * e.near, all * e.trend, 1]
  let beta = new Float64Array([all, 0.5, 0, 0, 0, 0, 0, 0])
  for (let it = 0; it < 25; it++) {
    const h = new Float64Array(n * n)
    const g = new Float64Array(n)
    for (const e of examples) {
      const x = feats(e)
      let z = 0
      for (let k = 0; k < n; k++) z += beta[k]! * x[k]!
      const p = 1 / (1 + Math.exp(-z))
      const y = e.watched ? 1 : 0
      const w = Math.max(p * (1 - p), 1e-6)
      for (let a = 0; a < n; a++) {
        g[a]! += (y - p) * x[a]!
        for (let b = 0; b <= a; b++) h[a * n + b]! += w * x[a]! * x[b]!
      }
    }
    for (let a = 0; a < n; a++) {
      g[a]! -= ridge * beta[a]!
      h[a * n + a]! += ridge
    }
    const step = solveSpd(h, g, n)
    let moved = 0
    beta = beta.map((b, k) => {
      moved = Math.max(moved, Math.abs(step[k]!))
      return b + step[k]!
    })
    if (moved < 1e-6) break
  }
  const r = (x: number) => Math.round(x * 1e4) / 1e4
  return { utility: r(beta[0]!), popularity: r(beta[1]!), popularityByConformity: r(beta[2]!), activity: r(beta[3]!), familiarity: r(beta[4]!), recent: r(beta[5]!), trend: r(beta[6]!), bias: r(beta[7]!) }
}

/** Draws `count` distinct items in [0, n) outside `exclude`, seeded. */
export function sampleUnseen(n: number, count: number, exclude: ReadonlySet<number>, ...seed: Array<number | string>): number[] {
  const rng = rngFor(...seed)
  const out: number[] = []
  const taken = new Set<number>()
  const room = n - exclude.size
  const want = Math.min(count, Math.max(0, room))
  let guard = 0
  while (out.length < want && guard++ < want * 50 + 1000) {
    const i = rng.int(n)
    if (exclude.has(i) || taken.has(i)) continue
    taken.add(i)
    out.push(i)
  }
  return out
}

/** Draws `count` distinct items outside `exclude` with probability proportional to popularity (`cum` is its running sum), seeded. */
export function samplePopular(cum: Float64Array, count: number, exclude: ReadonlySet<number>, ...seed: Array<number | string>): number[] {
  const rng = rngFor(...seed)
  const n = cum.length
  const total = cum[n - 1] ?? 0
  const out: number[] = []
  const taken = new Set<number>()
  const want = Math.min(count, Math.max(0, n - exclude.size))
  let guard = 0
  while (out.length < want && guard++ < want * 200 + 1000) {
    const x = rng.next() * total
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cum[mid]! > x) hi = mid
      else lo = mid + 1
    }
    if (exclude.has(lo) || taken.has(lo)) continue
    taken.add(lo)
    out.push(lo)
  }
  return out
}
