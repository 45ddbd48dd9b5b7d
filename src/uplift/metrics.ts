/**
 * Uplift metrics. Rows are ranked by predicted uplift, highest first; rows with equal
 * scores form one step of the curves (so the order within ties never matters).
 *
 * With N_T(k), N_C(k) the treated and control rows in the top k and Y_T(k), Y_C(k) their
 * summed outcomes:
 * - Qini curve Q(k) = Y_T(k) − Y_C(k) · N_T(k) / N_C(k)  (0 while N_C(k) = 0)
 * - uplift curve U(k) = (Y_T(k) / N_T(k) − Y_C(k) / N_C(k)) · k  (an empty arm's mean is 0)
 * Both are read per capita (divided by n) against x = k / n, and their areas are trapezoids.
 * - AUUC: the area under the uplift curve.
 * - Qini: the area under the Qini curve minus the area under the random-targeting line
 *   (from 0 to Q(n) / n), Radcliffe's Qini coefficient.
 * - uplift@k: mean outcome of treated minus control rows among the top k share.
 * - With the true individual effects τ (a simulator knows them): AUUC* is the area under the
 *   cumulative true effect Σ_top τ / n, true uplift@k the mean τ in the top k share, and
 *   PEHE = sqrt(mean((τ̂ − τ)²)).
 */

export interface Curve {
  /** Share targeted (0 first). */
  x: number[]
  /** Per-capita value at each x. */
  y: number[]
}

/** Indices by descending score (ties keep index order), and the ends of tie groups. */
function ranked(score: ArrayLike<number>): { order: number[]; ends: number[] } {
  const order = Array.from({ length: score.length }, (_, i) => i).sort((a, b) => score[b]! - score[a]! || a - b)
  const ends: number[] = []
  for (let k = 0; k < order.length; k++) {
    if (k + 1 === order.length || score[order[k + 1]!] !== score[order[k]!]) ends.push(k + 1)
  }
  return { order, ends }
}

function area(c: Curve): number {
  let a = 0
  for (let i = 1; i < c.x.length; i++) a += ((c.x[i]! - c.x[i - 1]!) * (c.y[i]! + c.y[i - 1]!)) / 2
  return a
}

/** The Qini and uplift curves of a ranking. */
export function upliftCurves(score: ArrayLike<number>, y: ArrayLike<number>, t: ArrayLike<number>): { qini: Curve; uplift: Curve } {
  const n = score.length
  const { order, ends } = ranked(score)
  const qini: Curve = { x: [0], y: [0] }
  const uplift: Curve = { x: [0], y: [0] }
  let nt = 0
  let nc = 0
  let yt = 0
  let yc = 0
  let k = 0
  for (const end of ends) {
    for (; k < end; k++) {
      const i = order[k]!
      if (t[i] === 1) {
        nt++
        yt += y[i]!
      } else {
        nc++
        yc += y[i]!
      }
    }
    const x = end / n
    qini.x.push(x)
    qini.y.push((nc > 0 ? yt - (yc * nt) / nc : yt) / n)
    uplift.x.push(x)
    uplift.y.push(((nt ? yt / nt : 0) - (nc ? yc / nc : 0)) * (end / n))
  }
  return { qini, uplift }
}

/** Area under the (per-capita) uplift curve. */
export function auuc(score: ArrayLike<number>, y: ArrayLike<number>, t: ArrayLike<number>): number {
  return area(upliftCurves(score, y, t).uplift)
}

/** Qini coefficient: area between the Qini curve and the random-targeting line. */
export function qini(score: ArrayLike<number>, y: ArrayLike<number>, t: ArrayLike<number>): number {
  const c = upliftCurves(score, y, t).qini
  return area(c) - c.y[c.y.length - 1]! / 2
}

/**
 * The top `share` of rows by score (at least one row's worth), as (row, weight): rows above
 * the cut count fully; the tie group the cut falls in counts in proportion (what a random
 * tie-break would give on average), so a constant score gets the overall mean.
 */
export function topRows(score: ArrayLike<number>, share: number): [number, number][] {
  const { order, ends } = ranked(score)
  const want = Math.max(1, Math.ceil(share * score.length))
  const out: [number, number][] = []
  let start = 0
  for (const end of ends) {
    if (start >= want) break
    const w = end <= want ? 1 : (want - start) / (end - start)
    for (let k = start; k < end; k++) out.push([order[k]!, w])
    start = end
  }
  return out
}

/** Observed uplift in the top `share`: mean y of treated minus control rows there (NaN if an arm is empty). */
export function upliftAt(score: ArrayLike<number>, y: ArrayLike<number>, t: ArrayLike<number>, share: number): number {
  let nt = 0
  let nc = 0
  let yt = 0
  let yc = 0
  for (const [i, w] of topRows(score, share)) {
    if (t[i] === 1) (nt += w, (yt += w * y[i]!))
    else (nc += w, (yc += w * y[i]!))
  }
  return nt && nc ? yt / nt - yc / nc : Number.NaN
}

/** Mean true effect in the top `share`. */
export function trueUpliftAt(score: ArrayLike<number>, tau: ArrayLike<number>, share: number): number {
  let s = 0
  let n = 0
  for (const [i, w] of topRows(score, share)) (s += w * tau[i]!, (n += w))
  return s / n
}

/** Area under the cumulative true-effect curve (Σ_top τ / n against k / n). */
export function auucTrue(score: ArrayLike<number>, tau: ArrayLike<number>): number {
  const n = score.length
  const { order, ends } = ranked(score)
  const c: Curve = { x: [0], y: [0] }
  let s = 0
  let k = 0
  for (const end of ends) {
    for (; k < end; k++) s += tau[order[k]!]!
    c.x.push(end / n)
    c.y.push(s / n)
  }
  return area(c)
}

/** Precision in estimating heterogeneous effects: root mean squared error of τ̂ against τ. */
export function pehe(pred: ArrayLike<number>, tau: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < pred.length; i++) s += (pred[i]! - tau[i]!) ** 2
  return Math.sqrt(s / Math.max(1, pred.length))
}

/** The decile (0 = top tenth) of each row by score. */
export function deciles(score: ArrayLike<number>): Uint8Array {
  const { order } = ranked(score)
  const out = new Uint8Array(score.length)
  order.forEach((i, k) => (out[i] = Math.min(9, Math.floor((10 * k) / score.length))))
  return out
}

export interface UpliftScores {
  auuc: number
  qini: number
  /** Observed uplift in the top 10% and 30%. */
  upliftAt10: number
  upliftAt30: number
  /** With true effects: AUUC*, true uplift in the top 10% and 30%, PEHE against τ and against the expected effect. */
  auucTrue?: number
  trueUpliftAt10?: number
  trueUpliftAt30?: number
  pehe?: number
  peheExpected?: number
}

/** Every metric of one ranking; the true-effect ones when τ (and the expected effect) are known. */
export function scoreUplift(pred: ArrayLike<number>, y: ArrayLike<number>, t: ArrayLike<number>, tau?: ArrayLike<number>, expected?: ArrayLike<number>): UpliftScores {
  const s: UpliftScores = { auuc: auuc(pred, y, t), qini: qini(pred, y, t), upliftAt10: upliftAt(pred, y, t, 0.1), upliftAt30: upliftAt(pred, y, t, 0.3) }
  if (tau) {
    s.auucTrue = auucTrue(pred, tau)
    s.trueUpliftAt10 = trueUpliftAt(pred, tau, 0.1)
    s.trueUpliftAt30 = trueUpliftAt(pred, tau, 0.3)
    s.pehe = pehe(pred, tau)
  }
  if (expected) s.peheExpected = pehe(pred, expected)
  return s
}
