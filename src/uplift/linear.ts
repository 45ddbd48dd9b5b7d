/**
 * Ridge-penalised linear and logistic regression on standardised features (Newton steps on
 * a d × d system: fine for the tens of features of an uplift table). Plain data, like GBDT.
 */

export interface LinearModel {
  kind: 'linear'
  loss: 'squared' | 'logistic'
  mean: number[]
  scale: number[]
  /** Intercept first, then one weight per (standardised) feature. */
  weights: number[]
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))

/** Solves A x = b (A symmetric positive definite, n × n, row-major) by Gaussian elimination with pivoting. */
export function solve(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const M = Float64Array.from(A)
  const x = Float64Array.from(b)
  for (let c = 0; c < n; c++) {
    let p = c
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r * n + c]!) > Math.abs(M[p * n + c]!)) p = r
    if (p !== c) {
      for (let k = 0; k < n; k++) [M[c * n + k], M[p * n + k]] = [M[p * n + k]!, M[c * n + k]!]
      ;[x[c], x[p]] = [x[p]!, x[c]!]
    }
    const piv = M[c * n + c]!
    if (Math.abs(piv) < 1e-12) continue
    for (let r = c + 1; r < n; r++) {
      const f = M[r * n + c]! / piv
      if (f === 0) continue
      for (let k = c; k < n; k++) M[r * n + k]! -= f * M[c * n + k]!
      x[r]! -= f * x[c]!
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    let s = x[c]!
    for (let k = c + 1; k < n; k++) s -= M[c * n + k]! * x[k]!
    const piv = M[c * n + c]!
    x[c] = Math.abs(piv) < 1e-12 ? 0 : s / piv
  }
  return x
}

/**
 * Fits y ~ x (squared loss) or P(y=1) = σ(w·x) (logistic loss) with an L2 penalty `l2` on
 * the standardised weights (not the intercept).
 */
export function fitLinear(
  cols: readonly ArrayLike<number>[],
  y: ArrayLike<number>,
  options: { loss?: 'squared' | 'logistic'; l2?: number; iterations?: number } = {},
  weights?: ArrayLike<number>,
): LinearModel {
  const loss = options.loss ?? 'logistic'
  const l2 = options.l2 ?? 1
  const n = y.length
  const d = cols.length
  const p = d + 1
  const mean: number[] = []
  const scale: number[] = []
  for (const c of cols) {
    let s = 0
    for (let i = 0; i < n; i++) s += c[i]!
    const m = n ? s / n : 0
    let v = 0
    for (let i = 0; i < n; i++) v += (c[i]! - m) ** 2
    mean.push(m)
    scale.push(Math.sqrt(v / Math.max(1, n)) || 1)
  }
  const z = (i: number, f: number) => (f === 0 ? 1 : (cols[f - 1]![i]! - mean[f - 1]!) / scale[f - 1]!)
  const w = new Float64Array(p)
  const iters = loss === 'squared' ? 1 : (options.iterations ?? 25)
  const row = new Float64Array(p)
  for (let it = 0; it < iters; it++) {
    const H = new Float64Array(p * p)
    const g = new Float64Array(p)
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < p; f++) row[f] = z(i, f)
      let s = 0
      for (let f = 0; f < p; f++) s += w[f]! * row[f]!
      const wi = weights ? weights[i]! : 1
      const mu = loss === 'logistic' ? sigmoid(s) : s
      const hi = wi * (loss === 'logistic' ? Math.max(1e-6, mu * (1 - mu)) : 1)
      const r = wi * (mu - y[i]!)
      for (let a = 0; a < p; a++) {
        g[a]! += r * row[a]!
        const ha = hi * row[a]!
        for (let b = a; b < p; b++) H[a * p + b]! += ha * row[b]!
      }
    }
    for (let a = 0; a < p; a++) {
      for (let b = 0; b < a; b++) H[a * p + b] = H[b * p + a]!
      if (a > 0) {
        H[a * p + a]! += l2
        g[a]! += l2 * w[a]!
      } else H[0]! += 1e-9
    }
    const step = solve(H, g, p)
    let size = 0
    for (let f = 0; f < p; f++) {
      w[f]! -= step[f]!
      size = Math.max(size, Math.abs(step[f]!))
    }
    if (size < 1e-7) break
  }
  return { kind: 'linear', loss, mean, scale, weights: Array.from(w) }
}

export function predictLinear(m: LinearModel, x: ArrayLike<number>): number {
  let s = m.weights[0]!
  for (let f = 0; f < m.mean.length; f++) s += m.weights[f + 1]! * ((x[f]! - m.mean[f]!) / m.scale[f]!)
  return m.loss === 'logistic' ? sigmoid(s) : s
}
