import { rngFor } from '../core/index.ts'
import { solveSpd } from './linalg.ts'

/**
 * Whether a simulated user would watch (and like) an item, as a logistic function of
 * what its persona holds: z = a·utility + (p0 + p1·(conformity − ½))·lp + c1·(activity − ½) + c0,
 * plus f·familiar, where familiar is 1 when the item has one of the persona's favourite
 * genres (a choice signal: what the user watches, not how they rate it), with lp the
 * item's log relative popularity. The six coefficients are fitted once per
 * population on an inner validation split carved from the training data.
 */
export interface WatchModel {
  utility: number
  popularity: number
  popularityByConformity: number
  activity: number
  bias: number
  familiarity: number
}

/** A neutral model used before fitting and when too little data exists to fit one. */
export const DEFAULT_WATCH: WatchModel = { utility: 1, popularity: 1, popularityByConformity: 1, activity: 0, bias: 0, familiarity: 0 }

export function watchLogit(w: WatchModel, utility: number, lp: number, conformity: number, activity: number, familiar: number): number {
  return (
    w.utility * utility +
    (w.popularity + w.popularityByConformity * (conformity - 0.5)) * lp +
    w.activity * (activity - 0.5) +
    w.familiarity * familiar +
    w.bias
  )
}

/** One labelled example: features [utility, lp, conformity, activity] and whether it was watched. */
export interface WatchExample {
  utility: number
  lp: number
  conformity: number
  activity: number
  /** 1 if the item has one of the user's favourite genres. */
  familiar: number
  watched: boolean
}

/** Fits the watch model by ridge-penalised logistic regression (Newton steps). */
export function fitWatchModel(examples: readonly WatchExample[], ridge = 1e-2): WatchModel {
  if (examples.length < 20) return DEFAULT_WATCH
  const n = 6
  const feats = (e: WatchExample) => [e.utility, e.lp, (e.conformity - 0.5) * e.lp, e.activity - 0.5, e.familiar, 1]
  let beta = new Float64Array([1, 0.5, 0, 0, 0, 0])
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
  return { utility: r(beta[0]!), popularity: r(beta[1]!), popularityByConformity: r(beta[2]!), activity: r(beta[3]!), familiarity: r(beta[4]!), bias: r(beta[5]!) }
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
