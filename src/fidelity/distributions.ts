import { histogram, jsDivergence, shares } from './metrics.ts'

export { jsDivergence } from './metrics.ts'

/**
 * Distribution fidelity: does the simulated population produce the same *shapes* as the
 * real one (how many items a session holds, how ratings spread), not only the same
 * averages? Each quantity is a histogram on fixed bins, compared by Jensen–Shannon
 * divergence (base 2: 0 = the same distribution, 1 = disjoint).
 */
export interface DistributionFit {
  quantity: 'rating' | 'itemsPerSession' | 'clicksPerSlate'
  label: string
  bins: string[]
  /** Shares per bin; null when the data does not hold the quantity. */
  real: number[] | null
  simulated: number[]
  /** The policy the simulated side ran. */
  policy: string
  /** Jensen–Shannon divergence, base 2; null without a real side. */
  js: number | null
  note?: string
}

/** A user's consecutive actions belong to one session while gaps stay under this (seconds; the usual 30-minute web-analytics rule). */
export const SESSION_GAP = 30 * 60

/** Items per session of one user's actions (times in seconds, any order). */
export function sessionLengths(times: readonly number[], gap = SESSION_GAP): number[] {
  const t = [...times].sort((a, b) => a - b)
  const out: number[] = []
  let n = 0
  for (let k = 0; k < t.length; k++) {
    if (k > 0 && t[k]! - t[k - 1]! > gap) {
      out.push(n)
      n = 0
    }
    n++
  }
  if (n) out.push(n)
  return out
}

/** Bins of a count: each value up to `open - 1` alone, ranges after (e.g. 4–5, 6–10), then `open+`. */
export const SESSION_BINS = ['1', '2', '3', '4–5', '6–10', '11+']
export function sessionBin(n: number): number {
  return n <= 3 ? Math.max(0, n - 1) : n <= 5 ? 3 : n <= 10 ? 4 : 5
}
export const CLICK_BINS = ['0', '1', '2', '3+']
export const clickBin = (n: number) => Math.min(3, n)

const count = (values: readonly number[], bins: number, bin: (v: number) => number) => {
  const h = new Array<number>(bins).fill(0)
  for (const v of values) h[bin(v)]!++
  return h
}

/** Simulated users rate 1–5 whole stars. */
const STARS = { min: 1, max: 5, step: 1 }

/** A rating of the data's scale on whole stars: rounded when the scale tops at 5 (half stars), else mapped linearly. */
export function toStars(scale: { min: number; max: number }): (r: number) => number {
  if (scale.max === 5) return (r) => Math.min(5, Math.max(1, Math.round(r)))
  return (r) => Math.min(5, Math.max(1, Math.round(1 + ((r - scale.min) * 4) / Math.max(1e-9, scale.max - scale.min))))
}

const round = (x: number) => Math.round(x * 1e4) / 1e4

/** What the real log shows, over the evaluated users' held-out part. */
export interface RealDistributions {
  ratings: number[]
  sessionLengths: number[]
}

/** What one simulated run shows. */
export interface SimulatedDistributions {
  ratings: number[]
  /** Clicks of every visit (a present agent in a round). */
  clicksPerVisit: number[]
}

/**
 * The three comparisons for one policy's run. A simulated visit is one slate; a real
 * session is a burst of ratings. Visits without a click leave no trace in a rating log,
 * so items per session counts only visits with at least one click.
 */
export function distributionFits(real: RealDistributions, sim: SimulatedDistributions, policy: string, scale: { min: number; max: number; step: number }): DistributionFit[] {
  const ratingBins = histogram([], STARS).map((_, k) => String(STARS.min + k))
  const realRatings = histogram(real.ratings.map(toStars(scale)), STARS)
  const simRatings = histogram(sim.ratings, STARS)
  const realSessions = count(real.sessionLengths, SESSION_BINS.length, sessionBin)
  const simSessions = count(sim.clicksPerVisit.filter((n) => n > 0), SESSION_BINS.length, sessionBin)
  return [
    {
      quantity: 'rating',
      label: 'ratings given',
      bins: ratingBins,
      real: shares(realRatings).map(round),
      simulated: shares(simRatings).map(round),
      policy,
      js: sim.ratings.length ? round(jsDivergence(realRatings, simRatings)) : null,
      note: 'real: held-out ratings, on whole stars 1–5 (the scale simulated users rate on); simulated: ratings of clicked items',
    },
    {
      quantity: 'itemsPerSession',
      label: 'items per session',
      bins: SESSION_BINS,
      real: shares(realSessions).map(round),
      simulated: shares(simSessions).map(round),
      policy,
      js: simSessions.some((x) => x > 0) ? round(jsDivergence(realSessions, simSessions)) : null,
      note: `real: held-out ratings split where a user paused over ${SESSION_GAP / 60} minutes; simulated: clicks per visit with at least one`,
    },
    {
      quantity: 'clicksPerSlate',
      label: 'clicks per slate',
      bins: CLICK_BINS,
      real: null,
      simulated: shares(count(sim.clicksPerVisit, CLICK_BINS.length, clickBin)).map(round),
      policy,
      js: null,
      note: 'a rating log records no slates (impressions): no real side',
    },
  ]
}
