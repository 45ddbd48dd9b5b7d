import { rngFor, type Rng } from '../core/index.ts'
import { deciles, pehe, scoreUplift, type UpliftScores } from './metrics.ts'

/**
 * RUAD's feature-sensitivity test (arXiv 2310.04693), model-agnostic: perturb one feature
 * (or a key subset) of the evaluation rows, score them again, and measure how much the
 * uplift ranking moves.
 *
 * - `noise`: x_j + ε · sd_j · U(−1, 1), bounded noise scaled by the feature's spread;
 * - `interp`: soft interpolation x_j + ε · (x'_j − x_j) toward the value of another row
 *   drawn at random (ε in [0, 1]).
 */
export type PerturbMode = 'noise' | 'interp'

export interface PerturbSpec {
  mode: PerturbMode
  /** ε: the bound (noise, in feature standard deviations) or the interpolation weight. */
  eps: number
}

/** Standard deviation of each feature column. */
export function featureSpread(x: readonly ArrayLike<number>[]): number[] {
  const d = x[0]?.length ?? 0
  return Array.from({ length: d }, (_, j) => {
    let s = 0
    let s2 = 0
    for (const r of x) {
      s += r[j]!
      s2 += r[j]! * r[j]!
    }
    const m = s / Math.max(1, x.length)
    return Math.sqrt(Math.max(0, s2 / Math.max(1, x.length) - m * m))
  })
}

/** Copies of the rows with the features `cols` perturbed (seeded). */
export function perturb(x: readonly ArrayLike<number>[], cols: readonly number[], spec: PerturbSpec, sd: readonly number[], rng: Rng): Float64Array[] {
  return x.map((r) => {
    const out = Float64Array.from(r)
    const other = spec.mode === 'interp' ? x[rng.int(x.length)]! : undefined
    for (const j of cols) {
      out[j] = spec.mode === 'noise' ? r[j]! + spec.eps * sd[j]! * (2 * rng.next() - 1) : r[j]! + spec.eps * (other![j]! - r[j]!)
    }
    return out
  })
}

export interface Sensitivity {
  /** AUUC on clean rows minus AUUC on perturbed rows (positive: worse). */
  auucDrop: number
  qiniDrop: number
  /** PEHE on perturbed rows minus PEHE on clean rows (when the true effects are known). */
  peheRise?: number
  /** Share of rows whose predicted uplift changes sign / changes decile. */
  signFlip: number
  decileFlip: number
  /** Mean |τ̂(x') − τ̂(x)|. */
  meanChange: number
}

export interface EvalRows {
  x: readonly ArrayLike<number>[]
  t: ArrayLike<number>
  y: ArrayLike<number>
  tau?: ArrayLike<number>
}

type Predict = (rows: readonly ArrayLike<number>[]) => Promise<Float64Array> | Float64Array

/** How much perturbing `cols` moves a model's uplift (mean over `repeats` seeded draws). */
export async function sensitivity(predict: Predict, rows: EvalRows, cols: readonly number[], spec: PerturbSpec, sd: readonly number[], seed: number, repeats = 3, clean?: Float64Array): Promise<Sensitivity> {
  const base = clean ?? (await predict(rows.x))
  const s0 = scoreUplift(base, rows.y, rows.t)
  const d0 = deciles(base)
  const p0 = rows.tau ? pehe(base, rows.tau) : undefined
  const acc = { auucDrop: 0, qiniDrop: 0, peheRise: 0, signFlip: 0, decileFlip: 0, meanChange: 0 }
  for (let k = 0; k < repeats; k++) {
    const xp = perturb(rows.x, cols, spec, sd, rngFor(seed, 'perturb', cols.join('-'), k))
    const pred = await predict(xp)
    const s = scoreUplift(pred, rows.y, rows.t)
    const d = deciles(pred)
    let sign = 0
    let dec = 0
    let change = 0
    for (let i = 0; i < pred.length; i++) {
      if (Math.sign(pred[i]!) !== Math.sign(base[i]!)) sign++
      if (d[i] !== d0[i]) dec++
      change += Math.abs(pred[i]! - base[i]!)
    }
    acc.auucDrop += s0.auuc - s.auuc
    acc.qiniDrop += s0.qini - s.qini
    if (rows.tau) acc.peheRise += pehe(pred, rows.tau) - p0!
    acc.signFlip += sign / pred.length
    acc.decileFlip += dec / pred.length
    acc.meanChange += change / pred.length
  }
  const out: Sensitivity = {
    auucDrop: acc.auucDrop / repeats,
    qiniDrop: acc.qiniDrop / repeats,
    signFlip: acc.signFlip / repeats,
    decileFlip: acc.decileFlip / repeats,
    meanChange: acc.meanChange / repeats,
  }
  if (rows.tau) out.peheRise = acc.peheRise / repeats
  return out
}

export interface FeatureSensitivity extends Sensitivity {
  feature: number
}

/**
 * Perturbs each feature alone and ranks them, most sensitive first: by the share of rows
 * whose uplift decile changes, then by the mean change (both need no labels, so selecting
 * the key features this way does not peek at test outcomes).
 */
export async function rankFeatures(predict: Predict, rows: EvalRows, spec: PerturbSpec, sd: readonly number[], seed: number, repeats = 3): Promise<FeatureSensitivity[]> {
  const clean = await predict(rows.x)
  const out: FeatureSensitivity[] = []
  const d = rows.x[0]?.length ?? 0
  for (let j = 0; j < d; j++) out.push({ feature: j, ...(await sensitivity(predict, rows, [j], spec, sd, seed, repeats, clean)) })
  return out.sort((a, b) => b.decileFlip - a.decileFlip || b.meanChange - a.meanChange || a.feature - b.feature)
}

/**
 * Adversarial copies for desensitised training: for each row, among perturbations of the
 * key features within the bound (every ± corner of the noise box, and soft interpolations
 * toward a few other rows), the one that moves the current model's uplift most. Labels and
 * arms are kept: training on rows + copies teaches the model that these moves must not
 * change the uplift.
 */
export async function adversarialCopies(predict: Predict, x: readonly ArrayLike<number>[], key: readonly number[], spec: PerturbSpec, sd: readonly number[], seed: number): Promise<Float64Array[]> {
  const rng = rngFor(seed, 'adversarial')
  const candidates: Float64Array<ArrayBufferLike>[][] = []
  const corners = Math.min(1 << key.length, 64)
  for (let c = 0; c < corners; c++) {
    candidates.push(
      x.map((r) => {
        const o = Float64Array.from(r)
        key.forEach((j, b) => (o[j] = r[j]! + (((c >> b) & 1) === 1 ? 1 : -1) * spec.eps * sd[j]!))
        return o
      }),
    )
  }
  for (let c = 0; c < 3; c++) {
    candidates.push(
      x.map((r) => {
        const o = Float64Array.from(r)
        const other = x[rng.int(x.length)]!
        for (const j of key) o[j] = r[j]! + Math.min(1, spec.mode === 'interp' ? spec.eps : 0.5) * (other[j]! - r[j]!)
        return o
      }),
    )
  }
  const base = await predict(x)
  const best: Float64Array[] = x.map((r) => Float64Array.from(r))
  const gap = new Float64Array(x.length).fill(-1)
  for (const cand of candidates) {
    const p = await predict(cand)
    for (let i = 0; i < x.length; i++) {
      const g = Math.abs(p[i]! - base[i]!)
      if (g > gap[i]!) {
        gap[i] = g
        best[i] = cand[i]!
      }
    }
  }
  return best
}

export type { UpliftScores }
