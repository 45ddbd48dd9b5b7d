import type { Dataset } from '../data/index.ts'
import type { UserSplit } from './split.ts'

/**
 * The honest baseline beside the rating error: global mean plus regularised user and item
 * biases (Koren's baseline predictor), fitted by alternating ridge steps on the same
 * training part the personas are calibrated on, evaluated on the same held-out ratings.
 * Its regularisation (λ = 10 for both) is the textbook value, not tuned here.
 */
export function biasBaseline(
  data: Dataset,
  splits: readonly UserSplit[],
  users: readonly number[],
  lambda = 10,
): { rmse: number; mae: number; n: number; onScale: { rmse: number; mae: number } } {
  const R = data.ratings
  let sum = 0
  let count = 0
  for (const s of splits) for (const k of s.train) (sum += R.value[k]!), count++
  const mu = count ? sum / count : 0
  const bu = new Float64Array(data.users.length)
  const bi = new Float64Array(data.items.length)
  for (let it = 0; it < 10; it++) {
    const num = new Float64Array(data.items.length)
    const den = new Float64Array(data.items.length)
    for (const s of splits) for (const k of s.train) (num[R.item[k]!]! += R.value[k]! - mu - bu[s.user]!), den[R.item[k]!]!++
    for (let i = 0; i < bi.length; i++) bi[i] = num[i]! / (den[i]! + lambda)
    for (const s of splits) {
      let n = 0
      let d = 0
      for (const k of s.train) (n += R.value[k]! - mu - bi[R.item[k]!]!), d++
      bu[s.user] = n / (d + lambda)
    }
  }
  let se = 0
  let ae = 0
  let seS = 0
  let aeS = 0
  let n = 0
  const { min, max, step } = data.scale
  for (const u of users) {
    for (const k of splits[u]!.test) {
      const p = Math.min(max, Math.max(min, mu + bu[u]! + bi[R.item[k]!]!))
      const e = p - R.value[k]!
      se += e * e
      ae += Math.abs(e)
      // The same prediction answered on the scale, as a rater (and usersim's rate-items) must.
      const s = Math.round((p - min) / step) * step + min - R.value[k]!
      seS += s * s
      aeS += Math.abs(s)
      n++
    }
  }
  return { rmse: n ? Math.sqrt(se / n) : 0, mae: n ? ae / n : 0, n, onScale: { rmse: n ? Math.sqrt(seS / n) : 0, mae: n ? aeS / n : 0 } }
}
