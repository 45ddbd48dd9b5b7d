import { fitGbdt, predictGbdt, GBDT_DEFAULTS, type GbdtModel, type GbdtOptions } from './gbdt.ts'
import { fitLinear, predictLinear, type LinearModel } from './linear.ts'

/**
 * Uplift meta-learners over a base model:
 * - `s` (S-learner): one model of y on (x, t); uplift = f(x, 1) − f(x, 0). With the
 *   logistic base the design adds t·x so the effect can vary with x.
 * - `t` (T-learner): one model per arm; uplift = f1(x) − f0(x).
 * - `to` (transformed outcome): regress Z = y (t − e) / (e (1 − e)) on x, whose mean given
 *   x is the uplift when e is the assignment propensity.
 * Models are plain data: they survive structuredClone and JSON.
 */

export type LearnerName = 's' | 't' | 'to'
export type BaseName = 'gbdt' | 'logistic'
export const LEARNERS: readonly LearnerName[] = ['s', 't', 'to']
export const LEARNER_LABEL: Record<LearnerName, string> = { s: 'S-learner', t: 'T-learner', to: 'transformed outcome' }

/** Rows of an uplift table: features, arm (0/1), outcome and assignment propensity. */
export interface UpliftData {
  x: readonly ArrayLike<number>[]
  t: ArrayLike<number>
  y: ArrayLike<number>
  /** P(t = 1 | x) at assignment; rows with 0 or 1 are unusable for `to`. */
  e: ArrayLike<number>
}

type BaseModel = GbdtModel | LinearModel

export interface UpliftModel {
  learner: LearnerName
  base: BaseName
  features: number
  parts: BaseModel[]
}

export interface FitOptions {
  base?: BaseName
  /** Binary outcome (logistic loss for s and t); otherwise squared loss. Default: detected from y. */
  binary?: boolean
  gbdt?: Partial<GbdtOptions>
  l2?: number
  weights?: ArrayLike<number>
}

const isBinary = (y: ArrayLike<number>) => {
  for (let i = 0; i < y.length; i++) if (y[i] !== 0 && y[i] !== 1) return false
  return true
}

function columns(rows: readonly ArrayLike<number>[], pick: (i: number) => boolean, extra?: (i: number, row: ArrayLike<number>) => number[]): { cols: Float64Array[]; idx: number[] } {
  const idx: number[] = []
  for (let i = 0; i < rows.length; i++) if (pick(i)) idx.push(i)
  const d = rows[0]?.length ?? 0
  const e = extra && idx.length ? extra(idx[0]!, rows[idx[0]!]!).length : 0
  const cols = Array.from({ length: d + e }, () => new Float64Array(idx.length))
  idx.forEach((i, k) => {
    const r = rows[i]!
    for (let f = 0; f < d; f++) cols[f]![k] = r[f]!
    if (e) extra!(i, r).forEach((v, j) => (cols[d + j]![k] = v))
  })
  return { cols, idx }
}

function fitBase(base: BaseName, cols: Float64Array[], y: ArrayLike<number>, loss: 'squared' | 'logistic', o: FitOptions, w?: ArrayLike<number>): BaseModel {
  if (base === 'gbdt') return fitGbdt(cols, y, { ...GBDT_DEFAULTS, ...o.gbdt, loss }, w)
  return fitLinear(cols, y, { loss, l2: o.l2 ?? 1 }, w)
}

const predictBase = (m: BaseModel, x: ArrayLike<number>) => (m.kind === 'gbdt' ? predictGbdt(m, x) : predictLinear(m, x))

/**
 * Fits an uplift learner.
 *
 * @example
 * const m = fitUplift('t', { x, t, y, e }, { base: 'gbdt' })
 * const tau = predictUplift(m, x)   // one predicted uplift per row
 */
export function fitUplift(learner: LearnerName, data: UpliftData, o: FitOptions = {}): UpliftModel {
  const base = o.base ?? 'gbdt'
  const n = data.y.length
  if (!n) throw new Error('no rows to fit')
  const d = data.x[0]!.length
  const binary = o.binary ?? isBinary(data.y)
  const loss = binary ? 'logistic' : 'squared'
  const w = o.weights
  const sub = (idx: number[], a: ArrayLike<number> | undefined) => (a ? Float64Array.from(idx, (i) => a[i]!) : undefined)
  if (learner === 't') {
    const parts: BaseModel[] = []
    for (const arm of [0, 1]) {
      const { cols, idx } = columns(data.x, (i) => data.t[i] === arm)
      if (idx.length < 2) throw new Error(`the T-learner needs rows in both arms (arm ${arm} has ${idx.length})`)
      parts.push(fitBase(base, cols, sub(idx, data.y)!, loss, o, sub(idx, w)))
    }
    return { learner, base, features: d, parts }
  }
  if (learner === 's') {
    const { cols, idx } = columns(data.x, () => true, (i, r) => {
      const t = data.t[i]!
      return base === 'gbdt' ? [t] : [t, ...Array.from({ length: d }, (_, f) => t * r[f]!)]
    })
    return { learner, base, features: d, parts: [fitBase(base, cols, sub(idx, data.y)!, loss, o, sub(idx, w))] }
  }
  // Transformed outcome: rows with a usable propensity only.
  const { cols, idx } = columns(data.x, (i) => data.e[i]! > 0 && data.e[i]! < 1)
  if (idx.length < 2) throw new Error('the transformed-outcome learner needs randomised rows (propensity strictly between 0 and 1)')
  const z = Float64Array.from(idx, (i) => {
    const e = data.e[i]!
    return (data.y[i]! * (data.t[i]! - e)) / (e * (1 - e))
  })
  return { learner, base, features: d, parts: [fitBase(base, cols, z, 'squared', o, sub(idx, w))] }
}

/** Predicted uplift of each row. */
export function predictUplift(m: UpliftModel, rows: readonly ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(rows.length)
  const d = m.features
  const buf1 = new Float64Array(m.base === 'gbdt' ? d + 1 : 2 * d + 1)
  const buf0 = new Float64Array(buf1.length)
  rows.forEach((r, i) => {
    if (m.learner === 't') out[i] = predictBase(m.parts[1]!, r) - predictBase(m.parts[0]!, r)
    else if (m.learner === 'to') out[i] = predictBase(m.parts[0]!, r)
    else {
      for (let f = 0; f < d; f++) {
        buf1[f] = r[f]!
        buf0[f] = r[f]!
      }
      buf1[d] = 1
      buf0[d] = 0
      if (m.base !== 'gbdt') for (let f = 0; f < d; f++) (buf1[d + 1 + f] = r[f]!), (buf0[d + 1 + f] = 0)
      out[i] = predictBase(m.parts[0]!, buf1) - predictBase(m.parts[0]!, buf0)
    }
  })
  return out
}
