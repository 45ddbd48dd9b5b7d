import { DEFAULT_POSITION_BIAS, type ChoiceParams } from '../core/index.ts'
import { solveSpd } from './linalg.ts'
import type { WatchModel } from './watch-model.ts'

/** What the choice model reads of one candidate item for one user. */
export interface ChoiceFeatures {
  utility: number
  lp: number
  conformity: number
  familiar: number
  /** Similarity of the item to what the user consumed last. */
  recent: number
  /** How much the item was being watched in the year before the user's time (above an unwatched item). */
  trend: number
  /** log of the probability the sampler drew this alternative (McFadden's correction); 0 for the chosen item. */
  logSampled: number
}

/** One choice: the item the user took next and alternatives sampled from the catalog. */
export interface ChoiceEvent {
  chosen: ChoiceFeatures
  alternatives: ChoiceFeatures[]
}

const features = (f: ChoiceFeatures) => [f.utility, f.lp, (f.conformity - 0.5) * f.lp, f.familiar, f.recent, f.trend]

/**
 * Fits the conditional logit's weights on observed choices: each event is the item a user
 * rated next (on an inner time split of the training data) against alternatives drawn in
 * proportion to popularity, the exposure a deployed recommender gives. With McFadden's
 * correction (subtracting the log sampling probability of each alternative) the fit
 * estimates the choice among the whole catalog, so `utility` is the inverse temperature
 * of choices in the hidden taste. Within one choice the user-level terms cancel; the
 * outside option's value (`bias`, `activity`) cannot be identified from a log without
 * impressions and comes from the binary watch fit (even odds at logit 0, fitted 1:1).
 *
 * The terms: hidden taste; popularity and its interaction with conformity; a favourite
 * genre; co-consumption with the user's latest items (`recent`); and what was being
 * watched in the year before the user's time (`trend`).
 */
export function fitChoiceModel(events: readonly ChoiceEvent[], watch: WatchModel, ridge = 1e-2): ChoiceParams {
  const base: ChoiceParams = {
    utility: watch.utility,
    popularity: watch.popularity,
    popularityByConformity: watch.popularityByConformity,
    familiarity: watch.familiarity,
    activity: watch.activity,
    bias: watch.bias,
    positionBias: DEFAULT_POSITION_BIAS,
    recentTaste: 0,
  }
  if (events.length < 20) return base
  const n = 6
  let beta = new Float64Array([watch.utility, watch.popularity, watch.popularityByConformity, watch.familiarity, 0, 0])
  const sets = events.map((e) => [e.chosen, ...e.alternatives].map((f) => ({ x: features(f), off: -f.logSampled })))
  for (let it = 0; it < 30; it++) {
    const g = new Float64Array(n)
    const h = new Float64Array(n * n)
    for (const set of sets) {
      const z = set.map((c) => c.off + c.x.reduce((s, v, k) => s + beta[k]! * v, 0))
      const m = Math.max(...z)
      const w = z.map((v) => Math.exp(v - m))
      const total = w.reduce((s, v) => s + v, 0)
      const p = w.map((v) => v / total)
      const mean = new Float64Array(n)
      set.forEach((c, j) => c.x.forEach((v, k) => (mean[k]! += p[j]! * v)))
      // The chosen item is first in each set.
      for (let k = 0; k < n; k++) g[k]! += set[0]!.x[k]! - mean[k]!
      set.forEach((c, j) => {
        for (let a = 0; a < n; a++) for (let b = 0; b <= a; b++) h[a * n + b]! += p[j]! * (c.x[a]! - mean[a]!) * (c.x[b]! - mean[b]!)
      })
    }
    for (let a = 0; a < n; a++) {
      g[a]! -= ridge * beta[a]!
      h[a * n + a]! += ridge
    }
    const step = solveSpd(h, g, n)
    // Damped Newton: halve the step until the penalised log-likelihood does not fall.
    const before = logLik(sets, beta, ridge)
    let scale = 1
    let next = beta.map((b, k) => b + step[k]!)
    while (scale > 1e-3 && logLik(sets, next, ridge) < before) {
      scale /= 2
      next = beta.map((b, k) => b + scale * step[k]!)
    }
    let moved = 0
    for (let k = 0; k < n; k++) moved = Math.max(moved, Math.abs(next[k]! - beta[k]!))
    beta = next
    if (moved < 1e-6) break
  }
  const r = (x: number) => Math.round(x * 1e4) / 1e4
  return { ...base, utility: r(beta[0]!), popularity: r(beta[1]!), popularityByConformity: r(beta[2]!), familiarity: r(beta[3]!), recentTaste: r(beta[4]!), trendTaste: r(beta[5]!) }
}

function logLik(sets: ReadonlyArray<ReadonlyArray<{ x: number[]; off: number }>>, beta: Float64Array, ridge: number): number {
  let ll = 0
  for (const set of sets) {
    const z = set.map((c) => c.off + c.x.reduce((s, v, k) => s + beta[k]! * v, 0))
    const m = Math.max(...z)
    ll += z[0]! - m - Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0))
  }
  let pen = 0
  for (const b of beta) pen += b * b
  return ll - 0.5 * ridge * pen
}
