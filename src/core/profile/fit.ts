/** Small, dependency-free fitting routines for surrogate profiles (pure, deterministic). */

/** Solves (XᵀX + λI) w = Xᵀy by Gaussian elimination; the intercept column (0) is not penalised. */
export function ridge(X: readonly number[][], y: readonly number[], lambda = 1e-3): number[] {
  const d = X[0]?.length ?? 0
  const A = Array.from({ length: d }, () => new Array<number>(d + 1).fill(0))
  for (let i = 0; i < X.length; i++) {
    const x = X[i]!
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) A[a]![b]! += x[a]! * x[b]!
      A[a]![d]! += x[a]! * y[i]!
    }
  }
  for (let a = 1; a < d; a++) A[a]![a]! += lambda * Math.max(1, X.length)
  A[0]![0]! += 1e-9
  return solve(A, d)
}

function solve(A: number[][], d: number): number[] {
  for (let c = 0; c < d; c++) {
    let p = c
    for (let r = c + 1; r < d; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r
    ;[A[c], A[p]] = [A[p]!, A[c]!]
    const piv = A[c]![c]!
    if (Math.abs(piv) < 1e-12) continue
    for (let r = 0; r < d; r++) {
      if (r === c) continue
      const f = A[r]![c]! / piv
      if (f === 0) continue
      for (let k = c; k <= d; k++) A[r]![k]! -= f * A[c]![k]!
    }
  }
  return A.map((row, i) => (Math.abs(row[i]!) < 1e-12 ? 0 : row[d]! / row[i]!))
}

/** Gradient ascent with Adam on a concave log-likelihood; `grad` fills g and returns the value. */
export function adam(start: readonly number[], grad: (w: readonly number[], g: number[]) => number, iterations = 400, rate = 0.05): number[] {
  const w = [...start]
  const m = new Array<number>(w.length).fill(0)
  const v = new Array<number>(w.length).fill(0)
  const g = new Array<number>(w.length).fill(0)
  for (let t = 1; t <= iterations; t++) {
    g.fill(0)
    grad(w, g)
    for (let k = 0; k < w.length; k++) {
      m[k] = 0.9 * m[k]! + 0.1 * g[k]!
      v[k] = 0.999 * v[k]! + 0.001 * g[k]! * g[k]!
      const mh = m[k]! / (1 - 0.9 ** t)
      const vh = v[k]! / (1 - 0.999 ** t)
      w[k]! += (rate * mh) / (Math.sqrt(vh) + 1e-8)
    }
  }
  return w
}

/** L2-penalised logistic regression (mean log-likelihood); column 0 is the unpenalised intercept. */
export function logistic(X: readonly number[][], y: readonly number[], start: readonly number[], lambda = 1e-3, iterations = 400): number[] {
  const n = Math.max(1, X.length)
  return adam(start, (w, g) => {
    let ll = 0
    for (let i = 0; i < X.length; i++) {
      const x = X[i]!
      let z = 0
      for (let k = 0; k < w.length; k++) z += w[k]! * x[k]!
      const p = 1 / (1 + Math.exp(-z))
      const r = y[i]! - p
      ll += y[i]! ? Math.log(p + 1e-12) : Math.log(1 - p + 1e-12)
      for (let k = 0; k < w.length; k++) g[k]! += (r * x[k]!) / n
    }
    for (let k = 1; k < w.length; k++) g[k]! -= lambda * w[k]!
    return ll / n
  }, iterations)
}

/** Root mean square of a list (NaN when empty). */
export function rms(xs: readonly number[]): number {
  return xs.length ? Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length) : Number.NaN
}

/** 1-Wasserstein distance between two samples on [0, 1] (through their sorted quantiles). */
export function wasserstein1(a: readonly number[], b: readonly number[]): number {
  if (!a.length || !b.length) return Number.NaN
  const sa = [...a].sort((x, y) => x - y)
  const sb = [...b].sort((x, y) => x - y)
  const n = 200
  let s = 0
  for (let k = 0; k < n; k++) {
    const q = (k + 0.5) / n
    s += Math.abs(sa[Math.min(sa.length - 1, Math.floor(q * sa.length))]! - sb[Math.min(sb.length - 1, Math.floor(q * sb.length))]!)
  }
  return s / n
}

/** Kolmogorov–Smirnov distance between two samples. */
export function ksDistance(a: readonly number[], b: readonly number[]): number {
  if (!a.length || !b.length) return Number.NaN
  const sa = [...a].sort((x, y) => x - y)
  const sb = [...b].sort((x, y) => x - y)
  let i = 0
  let j = 0
  let d = 0
  while (i < sa.length && j < sb.length) {
    const x = Math.min(sa[i]!, sb[j]!)
    while (i < sa.length && sa[i]! <= x) i++
    while (j < sb.length && sb[j]! <= x) j++
    d = Math.max(d, Math.abs(i / sa.length - j / sb.length))
  }
  return d
}

/** F1 of two id sets; 1 when both are empty. */
export function setF1(a: readonly number[], b: readonly number[]): number {
  if (!a.length && !b.length) return 1
  const sb = new Set(b)
  const both = a.filter((x) => sb.has(x)).length
  return (2 * both) / (a.length + b.length)
}
