/** Gini coefficient of a non-negative distribution (0 = equal exposure, → 1 = all on one item). */
export function gini(values: ArrayLike<number>): number {
  const xs = Float64Array.from(values as ArrayLike<number>).sort()
  const n = xs.length
  let sum = 0
  let weighted = 0
  for (let i = 0; i < n; i++) {
    sum += xs[i]!
    weighted += (i + 1) * xs[i]!
  }
  if (n === 0 || sum === 0) return 0
  return (2 * weighted) / (n * sum) - (n + 1) / n
}
