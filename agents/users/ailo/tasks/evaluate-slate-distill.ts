import { z } from 'zod'
import { adam, ridge, rngFor, setF1, type DistillSpec, type Rng } from '../../../../src/core/index.ts'
import type { EvaluateSlateInput, EvaluateSlateOutput } from './evaluate-slate-schema.ts'

/**
 * evaluate-slate's surrogate with its constants as data. Per item j the click utility is
 * a weighted sum of features the task input holds: the perceived fit (hidden), how many
 * of its tags the persona says it likes or dislikes, whether its category is a
 * favourite, its price, and its slate position. Clicks are a sequential logit against a
 * no-click option whose utility rises with the expectation; ratings and satisfaction are
 * linear maps of the same features. The defaults reproduce the hand-written surrogate.
 */
export const evaluateSlateParams = z.object({
  /** Weights of [fit, liked tags, disliked tags, favourite category, price / 10, log2(1 + position)]. */
  click: z.array(z.number()).length(6),
  /** No-click utility: [constant, × expectation]. */
  stop: z.array(z.number()).length(2),
  /** Rating: [constant, × rating mean, × 3·spread·(fit − expectation), × visible utility]. */
  rating: z.array(z.number()).length(4),
  ratingNoise: z.number().min(0),
  /** Satisfaction logit: [constant, × top-3 mean fit, × expectation, × top-3 mean visible utility]. */
  satisfaction: z.array(z.number()).length(4),
})
export type EvaluateSlateParams = z.infer<typeof evaluateSlateParams>

const TAU = 0.08
export const EVALUATE_SLATE_DEFAULTS: EvaluateSlateParams = {
  click: [1 / TAU, 0, 0, 0, 0, 0],
  stop: [0.05 / TAU, 1 / TAU],
  rating: [0, 1, 1, 0],
  ratingNoise: 0.35,
  satisfaction: [0, 6, -6, 0],
}

/** Per-item features of a slate (what the click weights multiply). */
function features(input: EvaluateSlateInput): number[][] {
  const likes = new Set(input.persona.likes)
  const dislikes = new Set(input.persona.dislikes)
  const favs = new Set(input.persona.favouriteCategories)
  const n = Math.min(input.hidden.fit.length, input.slate.length)
  const out: number[][] = []
  for (let j = 0; j < n; j++) {
    const it = input.slate[j]!
    let l = 0
    let d = 0
    for (const t of it.tags) {
      if (likes.has(t)) l++
      if (dislikes.has(t)) d++
    }
    out.push([input.hidden.fit[j]!, l, d, favs.has(it.category) ? 1 : 0, it.price / 10, Math.log2(1 + j)])
  }
  return out
}

const dot = (w: readonly number[], x: readonly number[]) => {
  let s = 0
  for (let k = 0; k < x.length; k++) s += w[k]! * x[k]!
  return s
}
/** The part of the click utility a prompt shows (no fit, no position). */
const visible = (w: readonly number[], x: readonly number[]) => w[1]! * x[1]! + w[2]! * x[2]! + w[3]! * x[3]! + w[4]! * x[4]!
const topMean = (xs: readonly number[]) => {
  const top = [...xs].sort((a, b) => b - a).slice(0, 3)
  return top.length ? top.reduce((s, x) => s + x, 0) / top.length : 0
}
const clampRating = (r: number) => Math.min(5, Math.max(1, Math.round(r)))
const ratingRow = (x: readonly number[], e: number, input: EvaluateSlateInput, vis: number) => [1, input.hidden.ratingMean, input.hidden.ratingSpread * 3 * (x[0]! - e), vis]
const satisfactionRow = (f: readonly number[][], e: number, w: readonly number[]) => [1, topMean(f.map((x) => x[0]!)), e, topMean(f.map((x) => visible(w, x)))]

export function profiledEvaluate(input: EvaluateSlateInput, rng: Rng, p: EvaluateSlateParams): EvaluateSlateOutput {
  const f = features(input)
  const e = input.expectation
  const n = f.length
  const util = f.map((x) => Math.exp(dot(p.click, x)))
  const stop = Math.exp(p.stop[0]! + p.stop[1]! * e)
  const taken = new Uint8Array(n)
  const clicks: number[] = []
  const ratings: { item: number; rating: number }[] = []
  for (let c = 0; c < input.hidden.maxClicks; c++) {
    let z = stop
    for (let j = 0; j < n; j++) if (!taken[j]) z += util[j]!
    let u = rng.next() * z - stop
    if (u < 0) break
    let chosen = -1
    for (let j = 0; j < n; j++) {
      if (taken[j]) continue
      u -= util[j]!
      chosen = j
      if (u < 0) break
    }
    if (chosen < 0) break
    taken[chosen] = 1
    const item = input.slate[chosen]!.id
    clicks.push(item)
    const x = f[chosen]!
    const r = dot(p.rating, ratingRow(x, e, input, visible(p.click, x))) + p.ratingNoise * rng.normal()
    ratings.push({ item, rating: clampRating(r) })
  }
  const z = dot(p.satisfaction, satisfactionRow(f, e, p.click))
  const satisfaction = 1 / (1 + Math.exp(-z))
  const reason = z > 0.6 ? 'Several picks match what I like.' : z < -0.6 ? 'Mostly not what I hoped for.' : 'A mixed feed.'
  return { clicks, ratings, satisfaction: Math.round(satisfaction * 1e4) / 1e4, reason }
}

interface Prepared {
  f: number[][]
  e: number
  /** Positions clicked, in order. */
  chosen: number[]
  /** Whether the model stopped before the cap (a no-click choice was made). */
  stopped: boolean
}

function prepare(input: EvaluateSlateInput, output: EvaluateSlateOutput): Prepared {
  const f = features(input)
  const pos = new Map(input.slate.slice(0, f.length).map((s, j) => [s.id, j]))
  const chosen = [...new Set(output.clicks)].map((id) => pos.get(id)).filter((j): j is number => j !== undefined).slice(0, input.hidden.maxClicks)
  return { f, e: input.expectation, chosen, stopped: chosen.length < input.hidden.maxClicks }
}

/** Maximum likelihood of the sequential logit with a no-click option (L2-penalised). */
function fitClicks(data: readonly Prepared[], start: EvaluateSlateParams): { click: number[]; stop: number[] } {
  const n = Math.max(1, data.length)
  const theta = adam([...start.click, ...start.stop], (w, g) => {
    const util: number[] = []
    for (const s of data) {
      util.length = 0
      for (const x of s.f) util.push(Math.exp(Math.min(60, dot(w, x))))
      const stopU = Math.exp(Math.min(60, w[6]! + w[7]! * s.e))
      const taken = new Uint8Array(s.f.length)
      const steps = s.chosen.length + (s.stopped ? 1 : 0)
      for (let t = 0; t < steps; t++) {
        let z = stopU
        for (let j = 0; j < s.f.length; j++) if (!taken[j]) z += util[j]!
        // Gradient of log P(choice) = features of the choice − expected features.
        for (let j = 0; j < s.f.length; j++) {
          if (taken[j]) continue
          const pj = util[j]! / z
          for (let k = 0; k < 6; k++) g[k]! -= (pj * s.f[j]![k]!) / n
        }
        const ps = stopU / z
        g[6]! -= ps / n
        g[7]! -= (ps * s.e) / n
        if (t < s.chosen.length) {
          const c = s.chosen[t]!
          for (let k = 0; k < 6; k++) g[k]! += s.f[c]![k]! / n
          taken[c] = 1
        } else {
          g[6]! += 1 / n
          g[7]! += s.e / n
        }
      }
    }
    for (let k = 0; k < 8; k++) g[k]! -= 1e-4 * w[k]!
    return 0
  }, 2000, 0.1)
  return { click: theta.slice(0, 6), stop: theta.slice(6) }
}

/**
 * A model that answers the same prompt the same way is better matched by a sharper
 * choice than the likelihood alone settles on in a fixed number of steps: scale the
 * fitted utilities by the factor that best reproduces the model's clicks on the training
 * calls (each drawn on its own seeded Rng).
 */
function sharpen(
  samples: readonly { input: EvaluateSlateInput; output: EvaluateSlateOutput }[],
  fit: { click: number[]; stop: number[] },
  start: EvaluateSlateParams,
): { click: number[]; stop: number[] } {
  let best = { k: 1, f1: -1 }
  for (const k of [1, 1.5, 2, 3, 4, 6, 8]) {
    const p = { ...start, click: fit.click.map((w) => w * k), stop: fit.stop.map((w) => w * k) }
    let f1 = 0
    samples.forEach((s, i) => (f1 += setF1(s.output.clicks, profiledEvaluate(s.input, rngFor(i, 'sharpen'), p).clicks)))
    if (f1 > best.f1 + 1e-9) best = { k, f1 }
  }
  return { click: fit.click.map((w) => w * best.k), stop: fit.stop.map((w) => w * best.k) }
}

function fitEvaluate(samples: readonly { input: EvaluateSlateInput; output: EvaluateSlateOutput }[], start: EvaluateSlateParams): EvaluateSlateParams {
  if (!samples.length) return start
  const data = samples.map((s) => prepare(s.input, s.output))
  const mle = fitClicks(data, start)
  const { click, stop } = sharpen(samples, mle, start)
  // Ratings: least squares on the items the model opened and rated.
  const RX: number[][] = []
  const Ry: number[] = []
  // Satisfaction: least squares on its logit.
  const SX: number[][] = []
  const Sy: number[] = []
  samples.forEach((s, i) => {
    const d = data[i]!
    const rated = new Map(s.output.ratings.map((r) => [r.item, r.rating]))
    for (const j of d.chosen) {
      const r = rated.get(s.input.slate[j]!.id)
      if (r === undefined) continue
      const x = d.f[j]!
      RX.push(ratingRow(x, d.e, s.input, visible(click, x)))
      Ry.push(r)
    }
    const sat = Math.min(0.99, Math.max(0.01, s.output.satisfaction))
    SX.push(satisfactionRow(d.f, d.e, click))
    Sy.push(Math.log(sat / (1 - sat)))
  })
  const rating = RX.length >= 8 ? ridge(RX, Ry, 1e-4) : start.rating
  let mse = 0
  RX.forEach((x, i) => (mse += (dot(rating, x) - Ry[i]!) ** 2 / RX.length))
  // The answers are whole numbers: rounding alone explains a variance of about 1/12.
  const ratingNoise = RX.length >= 8 ? Math.sqrt(Math.max(0, mse - 1 / 12)) : start.ratingNoise
  const satisfaction = SX.length >= 8 ? ridge(SX, Sy, 1e-4) : start.satisfaction
  return { click, stop, rating, ratingNoise, satisfaction }
}

export const evaluateSlateDistill: DistillSpec<EvaluateSlateInput, EvaluateSlateOutput, EvaluateSlateParams> = {
  params: evaluateSlateParams,
  defaults: EVALUATE_SLATE_DEFAULTS,
  surrogate: profiledEvaluate,
  fit: fitEvaluate,
  agreement(input, model, surrogate) {
    const onSlate = new Set(input.slate.map((s) => s.id))
    const mc = [...new Set(model.clicks.filter((id) => onSlate.has(id)))]
    const sr = new Map(surrogate.ratings.map((r) => [r.item, r.rating]))
    const ratingErrors: number[] = []
    for (const r of model.ratings) {
      const s = sr.get(r.item)
      if (s !== undefined && mc.includes(r.item)) ratingErrors.push(r.rating - s)
    }
    return { clickF1: setF1(mc, surrogate.clicks), ratingErrors, satisfaction: [model.satisfaction, surrogate.satisfaction] }
  },
}
