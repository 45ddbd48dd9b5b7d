import { rngFor } from '../core/index.ts'

/** Average ranks (1 = smallest), ties sharing the mean of their places. */
export function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0])
  const out = new Array<number>(xs.length)
  for (let i = 0; i < order.length; ) {
    let j = i
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2 + 1
    i = j + 1
  }
  return out
}

function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length
  const ma = a.reduce((s, x) => s + x, 0) / n
  const mb = b.reduce((s, x) => s + x, 0) / n
  let sab = 0
  let saa = 0
  let sbb = 0
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb)
    saa += (a[i]! - ma) ** 2
    sbb += (b[i]! - mb) ** 2
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0
}

/** Spearman's ρ: Pearson's correlation of the ranks (ties averaged). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  return pearson(ranks(a), ranks(b))
}

/** Kendall's τ-b (ties corrected). */
export function kendall(a: readonly number[], b: readonly number[]): number {
  let c = 0
  let d = 0
  let ta = 0
  let tb = 0
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const x = Math.sign(a[i]! - a[j]!)
      const y = Math.sign(b[i]! - b[j]!)
      if (x === 0 && y === 0) continue
      if (x === 0) ta++
      else if (y === 0) tb++
      else if (x === y) c++
      else d++
    }
  }
  const den = Math.sqrt((c + d + ta) * (c + d + tb))
  return den > 0 ? (c - d) / den : 0
}

/** A statistic with its bootstrap percentile interval. */
export interface Estimate {
  value: number
  lo: number
  hi: number
}

/** Percentile interval of samples (sorted in place). */
export function interval(samples: number[], value: number, level = 0.95): Estimate {
  samples.sort((x, y) => x - y)
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.max(0, Math.floor(q * samples.length)))] ?? value
  return { value, lo: at((1 - level) / 2), hi: at(1 - (1 - level) / 2) }
}

/**
 * Per-user values of several policies on two sides (offline on real data, simulated),
 * as `values[side][policy][user]`, and the agreement of the two orderings of the policies'
 * means: Spearman's ρ and Kendall's τ with a bootstrap interval over users (the same
 * resample of users on both sides and for every policy). Seeded.
 */
export function rankAgreement(
  offline: readonly (readonly number[])[],
  simulated: readonly (readonly number[])[],
  opts: { samples?: number; seed?: number } = {},
): { spearman: Estimate; kendall: Estimate } {
  const users = offline[0]?.length ?? 0
  const mean = (v: readonly number[], idx?: Int32Array) => {
    let s = 0
    if (!idx) {
      for (const x of v) s += x
      return s / Math.max(1, v.length)
    }
    for (const i of idx) s += v[i]!
    return s / Math.max(1, idx.length)
  }
  const rho = spearman(offline.map((v) => mean(v)), simulated.map((v) => mean(v)))
  const tau = kendall(offline.map((v) => mean(v)), simulated.map((v) => mean(v)))
  const rng = rngFor(opts.seed ?? 1, 'rank-bootstrap')
  const rhos: number[] = []
  const taus: number[] = []
  for (let b = 0; b < (opts.samples ?? 500); b++) {
    const idx = Int32Array.from({ length: users }, () => rng.int(users))
    const a = offline.map((v) => mean(v, idx))
    const s = simulated.map((v) => mean(v, idx))
    rhos.push(spearman(a, s))
    taus.push(kendall(a, s))
  }
  return { spearman: interval(rhos, rho), kendall: interval(taus, tau) }
}

/** A mean with a bootstrap interval over units. */
export function bootMean(v: readonly number[], seed: number, samples = 500): Estimate {
  const n = v.length
  const m = v.reduce((s, x) => s + x, 0) / Math.max(1, n)
  const rng = rngFor(seed, 'mean-bootstrap')
  const out: number[] = []
  for (let b = 0; b < samples; b++) {
    let s = 0
    for (let i = 0; i < n; i++) s += v[rng.int(n)]!
    out.push(s / Math.max(1, n))
  }
  return interval(out, m)
}

/**
 * How well the real data agrees with itself about the order of the policies: the users are
 * split at random into two halves, and Spearman's ρ is taken between the policies' means on
 * the two halves (over `samples` splits: the mean and its percentile interval). `corrected`
 * is the Spearman–Brown step-up to the whole population, 2ρ/(1 + ρ): the agreement two
 * independent populations of this size would reach, a ceiling for any simulator when many
 * policies are near ties. Seeded.
 */
export function splitHalfAgreement(values: readonly (readonly number[])[], opts: { samples?: number; seed?: number } = {}): { spearman: Estimate; corrected: number } {
  const users = values[0]?.length ?? 0
  const rng = rngFor(opts.seed ?? 1, 'split-half')
  const order = Int32Array.from({ length: users }, (_, i) => i)
  const rhos: number[] = []
  for (let s = 0; s < (opts.samples ?? 200); s++) {
    for (let i = users - 1; i > 0; i--) {
      const j = rng.int(i + 1)
      const t = order[i]!
      order[i] = order[j]!
      order[j] = t
    }
    const half = users >> 1
    const meanOf = (v: readonly number[], from: number, to: number) => {
      let sum = 0
      for (let k = from; k < to; k++) sum += v[order[k]!]!
      return sum / Math.max(1, to - from)
    }
    rhos.push(spearman(values.map((v) => meanOf(v, 0, half)), values.map((v) => meanOf(v, half, users))))
  }
  const mean = rhos.reduce((a, b) => a + b, 0) / Math.max(1, rhos.length)
  const est = interval(rhos, mean)
  return { spearman: est, corrected: mean > -1 ? (2 * mean) / (1 + mean) : -1 }
}
