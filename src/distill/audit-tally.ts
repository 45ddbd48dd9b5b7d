import type { CallAgreement } from '../core/index.ts'

/** Sums of one agreement figure: enough for a mean and its confidence interval. */
export type Moments = [sum: number, sumSq: number, n: number]

/** Bins of satisfaction in [0, 1] (for the distribution distance between model and surrogate). */
export const SATISFACTION_BINS = 10

/** One task's shadow audit in one shard (or summed over shards). */
export interface AuditSums {
  clickF1: Moments
  leaveAgree: Moments
  ratingError: Moments
  satisfactionGap: Moments
  satisfactionModel: number[]
  satisfactionSurrogate: number[]
}

/** Calls per task in one shard of a hybrid run, and the shadow audit of the model-backed ones. */
export interface TaskTally {
  modelCalls: number
  surrogateCalls: number
  audit: AuditSums
}

export const emptyAudit = (): AuditSums => ({
  clickF1: [0, 0, 0],
  leaveAgree: [0, 0, 0],
  ratingError: [0, 0, 0],
  satisfactionGap: [0, 0, 0],
  satisfactionModel: new Array<number>(SATISFACTION_BINS).fill(0),
  satisfactionSurrogate: new Array<number>(SATISFACTION_BINS).fill(0),
})

const add = (m: Moments, x: number) => {
  m[0] += x
  m[1] += x * x
  m[2] += 1
}
const bin = (x: number) => Math.min(SATISFACTION_BINS - 1, Math.max(0, Math.floor(x * SATISFACTION_BINS)))

/** Adds one call's agreement to the sums. */
export function addAgreement(a: AuditSums, c: CallAgreement): void {
  if (c.clickF1 !== undefined) add(a.clickF1, c.clickF1)
  if (c.leaveAgree !== undefined) add(a.leaveAgree, c.leaveAgree)
  for (const e of c.ratingErrors ?? []) add(a.ratingError, e)
  if (c.satisfaction) {
    add(a.satisfactionGap, c.satisfaction[1] - c.satisfaction[0])
    a.satisfactionModel[bin(c.satisfaction[0])]! += 1
    a.satisfactionSurrogate[bin(c.satisfaction[1])]! += 1
  }
}

/** Adds sums from another shard. */
export function mergeAudit(into: AuditSums, from: AuditSums): void {
  for (const k of ['clickF1', 'leaveAgree', 'ratingError', 'satisfactionGap'] as const) for (let i = 0; i < 3; i++) into[k][i]! += from[k][i]!
  for (let b = 0; b < SATISFACTION_BINS; b++) {
    into.satisfactionModel[b]! += from.satisfactionModel[b] ?? 0
    into.satisfactionSurrogate[b]! += from.satisfactionSurrogate[b] ?? 0
  }
}

/** A mean with its 95 % normal confidence interval (null without data). */
export interface Estimate {
  n: number
  mean: number
  lo: number
  hi: number
}

export function estimate(m: Moments): Estimate | null {
  const [s, ss, n] = m
  if (!n) return null
  const mean = s / n
  const v = n > 1 ? Math.max(0, (ss - n * mean * mean) / (n - 1)) : 0
  const h = 1.96 * Math.sqrt(v / n)
  const r = (x: number) => Math.round(x * 1e4) / 1e4
  return { n, mean: r(mean), lo: r(mean - h), hi: r(mean + h) }
}

/** Root mean square of the rating errors, with an interval from the squared errors' spread (delta method). */
export function rmsEstimate(m: Moments): Estimate | null {
  const [, ss, n] = m
  if (!n) return null
  const msq = ss / n
  const rmse = Math.sqrt(msq)
  // Without the fourth moment, bound the spread of squared errors by msq (a rough interval).
  const h = rmse > 0 ? (1.96 * msq) / Math.sqrt(n) / (2 * rmse) : 0
  const r = (x: number) => Math.round(x * 1e4) / 1e4
  return { n, mean: r(rmse), lo: r(Math.max(0, rmse - h)), hi: r(rmse + h) }
}

/** 1-Wasserstein distance between two histograms over [0, 1] (bins of equal width). */
export function histogramW1(a: readonly number[], b: readonly number[]): number | null {
  const na = a.reduce((s, x) => s + x, 0)
  const nb = b.reduce((s, x) => s + x, 0)
  if (!na || !nb) return null
  let ca = 0
  let cb = 0
  let d = 0
  for (let i = 0; i < a.length; i++) {
    ca += a[i]! / na
    cb += b[i]! / nb
    d += Math.abs(ca - cb) / a.length
  }
  return Math.round(d * 1e4) / 1e4
}
