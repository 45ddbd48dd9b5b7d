/** Small dense linear algebra for the per-user and per-item ridge solves (tens of unknowns). */

/** Solves (A) x = b in place by Cholesky; A is n×n symmetric positive definite, row-major. */
export function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!
    for (let k = 0; k < j; k++) d -= a[j * n + k]! * a[j * n + k]!
    d = Math.sqrt(Math.max(d, 1e-12))
    a[j * n + j] = d
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!
      a[i * n + j] = s / d
    }
  }
  const x = new Float64Array(b)
  for (let i = 0; i < n; i++) {
    let s = x[i]!
    for (let k = 0; k < i; k++) s -= a[i * n + k]! * x[k]!
    x[i] = s / a[i * n + i]!
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!
    for (let k = i + 1; k < n; k++) s -= a[k * n + i]! * x[k]!
    x[i] = s / a[i * n + i]!
  }
  return x
}

/**
 * Ridge regression by normal equations: rows of `x` (m × n, row-major) against `y`,
 * with per-coefficient penalties `lambda`, shrinking toward `prior` (zeros by default).
 */
export function ridge(x: Float64Array, y: Float64Array, m: number, n: number, lambda: Float64Array, prior?: Float64Array): Float64Array {
  const a = new Float64Array(n * n)
  const b = new Float64Array(n)
  // Rows are sparse (one-hot genres): accumulate over the non-zero entries only.
  const nz = new Int32Array(n)
  for (let r = 0; r < m; r++) {
    const off = r * n
    const yr = y[r]!
    let k = 0
    for (let i = 0; i < n; i++) if (x[off + i] !== 0) nz[k++] = i
    for (let p = 0; p < k; p++) {
      const i = nz[p]!
      const xi = x[off + i]!
      b[i]! += xi * yr
      const row = i * n
      for (let q = 0; q <= p; q++) {
        const j = nz[q]!
        a[row + j]! += xi * x[off + j]!
      }
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j]!
    a[i * n + i]! += lambda[i]!
    if (prior) b[i]! += lambda[i]! * prior[i]!
  }
  return solveSpd(a, b, n)
}
