/** Alignment and rating metrics of the fidelity protocol. */

export interface Confusion {
  tp: number
  fp: number
  tn: number
  fn: number
}

export const emptyConfusion = (): Confusion => ({ tp: 0, fp: 0, tn: 0, fn: 0 })

export function addConfusion(c: Confusion, predicted: boolean, actual: boolean): void {
  if (predicted && actual) c.tp++
  else if (predicted) c.fp++
  else if (actual) c.fn++
  else c.tn++
}

export interface Alignment {
  accuracy: number
  precision: number
  recall: number
  f1: number
  /** Candidates judged. */
  n: number
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4

/** Micro-averaged accuracy, precision, recall and F1 (positive = "would watch and like"). */
export function alignment(c: Confusion): Alignment {
  const n = c.tp + c.fp + c.tn + c.fn
  const precision = c.tp + c.fp ? c.tp / (c.tp + c.fp) : 0
  const recall = c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0
  return {
    accuracy: r4(n ? (c.tp + c.tn) / n : 0),
    precision: r4(precision),
    recall: r4(recall),
    f1: r4(precision + recall ? (2 * precision * recall) / (precision + recall) : 0),
    n,
  }
}

export interface RatingErrors {
  rmse: number
  mae: number
  n: number
}

export class RatingAccumulator {
  private se = 0
  private ae = 0
  n = 0
  add(predicted: number, actual: number): void {
    this.se += (predicted - actual) ** 2
    this.ae += Math.abs(predicted - actual)
    this.n++
  }
  result(): RatingErrors {
    return { rmse: r4(this.n ? Math.sqrt(this.se / this.n) : 0), mae: r4(this.n ? this.ae / this.n : 0), n: this.n }
  }
}

/** A rating histogram over the scale's steps. */
export function histogram(values: readonly number[], scale: { min: number; max: number; step: number }): number[] {
  const bins = Math.round((scale.max - scale.min) / scale.step) + 1
  const h = new Array<number>(bins).fill(0)
  for (const v of values) {
    const b = Math.min(bins - 1, Math.max(0, Math.round((v - scale.min) / scale.step)))
    h[b]!++
  }
  return h
}

export interface DistributionDistance {
  /** Earth mover's (Wasserstein-1) distance between the two rating distributions, in rating points. */
  emd: number
  /** Total variation distance (half the L1 gap between the shares), in [0, 1]. */
  tv: number
  /** Jensen–Shannon divergence, base 2, in [0, 1]. */
  js: number
  /** Share of ratings at each step, min to max. */
  real: number[]
  simulated: number[]
}

export function distributionDistance(real: readonly number[], simulated: readonly number[], step: number): DistributionDistance {
  const share = (h: readonly number[]) => {
    const t = h.reduce((a, b) => a + b, 0) || 1
    return h.map((x) => x / t)
  }
  const p = share(real)
  const q = share(simulated)
  let emd = 0
  let cum = 0
  let tv = 0
  for (let k = 0; k < p.length; k++) {
    cum += p[k]! - q[k]!
    if (k < p.length - 1) emd += Math.abs(cum) * step
    tv += Math.abs(p[k]! - q[k]!) / 2
  }
  return { emd: r4(emd), tv: r4(tv), js: r4(jsDivergence(p, q)), real: p.map(r4), simulated: q.map(r4) }
}

/** Jensen–Shannon divergence of two histograms (counts or shares), base 2, in [0, 1]. */
export function jsDivergence(p: readonly number[], q: readonly number[]): number {
  const a = shares(p)
  const b = shares(q)
  let d = 0
  for (let k = 0; k < Math.max(a.length, b.length); k++) {
    const x = a[k] ?? 0
    const y = b[k] ?? 0
    const m = (x + y) / 2
    if (x > 0) d += 0.5 * x * Math.log2(x / m)
    if (y > 0) d += 0.5 * y * Math.log2(y / m)
  }
  return Math.max(0, Math.min(1, d))
}

export function shares(h: readonly number[]): number[] {
  const t = h.reduce((s, x) => s + x, 0)
  return h.map((x) => (t ? x / t : 0))
}
