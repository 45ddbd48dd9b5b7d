import { LATENT_DIM, rngFor } from '../core/index.ts'
import type { Dataset } from '../data/index.ts'
import { ridge } from './linalg.ts'
import type { UserSplit } from './split.ts'

/** The weight trueUtility gives each of an item's first four tags (src/core/utility.ts). */
export const TAG_SCALE = 0.5
/** trueUtility reads at most this many tags per item. */
export const UTILITY_TAGS = 4

export interface RatingModelOptions {
  seed: number
  dim: number
  iterations: number
  /** Ridge penalties: item bias, user quality slope (toward 1), genre weights, user taste, item vector. */
  lambdaBias: number
  lambdaBeta: number
  lambdaGenre: number
  lambdaTaste: number
  lambdaItem: number
  /** Half-life, in ratings, of the weight of older ratings in the user's mean (users drift); 0 = plain mean. */
  meanHalfLife: number
}

export const RATING_MODEL_DEFAULTS: RatingModelOptions = {
  seed: 1,
  dim: LATENT_DIM,
  iterations: 3,
  lambdaBias: 5,
  lambdaBeta: 8,
  lambdaGenre: 4,
  lambdaTaste: 20,
  lambdaItem: 20,
  meanHalfLife: 30,
}

/**
 * A rating model shaped exactly like `trueUtility`: for user u and item i,
 * r̂ = mean_u + β_u·b_i + 0.5·Σ_{g ∈ first 4 genres of i} w_u(g) + taste_u·v_i, with v_i of
 * unit length. β_u·b_i maps to qualityWeight·(quality − 0.5), w_u to the persona's
 * likes/dislikes, taste_u to hidden.taste. Fitted by alternating ridge regressions on
 * training ratings only.
 */
export interface RatingModel {
  dim: number
  genres: string[]
  /** Per item, the genre indexes that count (≤ 4, rarest first), -1 padded. */
  itemGenres: Int16Array
  userMean: Float64Array
  userSpread: Float64Array
  userBeta: Float64Array
  /** users × genres */
  userGenre: Float64Array
  /** users × dim */
  userTaste: Float64Array
  itemBias: Float64Array
  /** items × dim, unit rows */
  itemVector: Float64Array
  /** Training ratings per item (for popularity). */
  itemCount: Float64Array
}

/** Genres of every item ordered rarest first, so the four trueUtility reads are the most telling. */
export function orderedGenres(data: Dataset): { genres: string[]; perItem: string[][] } {
  const freq = new Map<string, number>()
  for (const it of data.items) for (const g of it.genres) freq.set(g, (freq.get(g) ?? 0) + 1)
  const genres = [...freq.keys()].sort()
  const perItem = data.items.map((it) => [...new Set(it.genres)].sort((a, b) => freq.get(a)! - freq.get(b)! || (a < b ? -1 : 1)))
  return { genres, perItem }
}

export function predictRating(m: RatingModel, u: number, i: number): number {
  return m.userMean[u]! + utilityOf(m, u, i)
}

/** The deviation from the user's mean rating: what trueUtility computes for the calibrated persona. */
export function utilityOf(m: RatingModel, u: number, i: number): number {
  const G = m.genres.length
  let s = m.userBeta[u]! * m.itemBias[i]!
  for (let k = 0; k < UTILITY_TAGS; k++) {
    const g = m.itemGenres[i * UTILITY_TAGS + k]!
    if (g >= 0) s += TAG_SCALE * m.userGenre[u * G + g]!
  }
  for (let d = 0; d < m.dim; d++) s += m.userTaste[u * m.dim + d]! * m.itemVector[i * m.dim + d]!
  return s
}

export function fitRatingModel(data: Dataset, splits: readonly UserSplit[], opts: Partial<RatingModelOptions> = {}): RatingModel {
  const o = { ...RATING_MODEL_DEFAULTS, ...opts }
  const { dim } = o
  const nU = data.users.length
  const nI = data.items.length
  const R = data.ratings
  const { genres, perItem } = orderedGenres(data)
  const G = genres.length
  const gIndex = new Map(genres.map((g, k) => [g, k]))
  const itemGenres = new Int16Array(nI * UTILITY_TAGS).fill(-1)
  perItem.forEach((gs, i) => gs.slice(0, UTILITY_TAGS).forEach((g, k) => (itemGenres[i * UTILITY_TAGS + k] = gIndex.get(g)!)))

  const userMean = new Float64Array(nU)
  const userSpread = new Float64Array(nU)
  let gSum = 0
  let gN = 0
  for (const s of splits) for (const k of s.train) (gSum += R.value[k]!), gN++
  const globalMean = gN ? gSum / gN : 3
  for (const s of splits) {
    let a = 0
    let wsum = 0
    s.train.forEach((k, r) => {
      const w = o.meanHalfLife > 0 ? 0.5 ** ((s.train.length - 1 - r) / o.meanHalfLife) : 1
      a += w * R.value[k]!
      wsum += w
    })
    // A few pseudo-ratings at the global mean keep a short history from an extreme mean.
    const mean = (a + 2 * globalMean) / (wsum + 2)
    let v = 0
    for (const k of s.train) v += (R.value[k]! - mean) ** 2
    userMean[s.user] = mean
    userSpread[s.user] = s.train.length > 1 ? Math.sqrt((v + 2 * 0.9 ** 2) / (s.train.length + 2)) : 0.9
  }

  // Per-item training rows (user, value) for the item step.
  const itemRows: number[][] = Array.from({ length: nI }, () => [])
  const itemCount = new Float64Array(nI)
  for (const s of splits) for (const k of s.train) itemRows[R.item[k]!]!.push(k), itemCount[R.item[k]!]!++

  const itemBias = new Float64Array(nI)
  for (let i = 0; i < nI; i++) {
    let a = 0
    for (const k of itemRows[i]!) a += R.value[k]! - userMean[R.user[k]!]!
    itemBias[i] = a / (itemRows[i]!.length + o.lambdaBias)
  }
  const rng = rngFor(o.seed, 'rating-model')
  const itemVector = new Float64Array(nI * dim)
  for (let x = 0; x < itemVector.length; x++) itemVector[x] = 0.1 * rng.normal()
  const userBeta = new Float64Array(nU).fill(1)
  const userGenre = new Float64Array(nU * G)
  const userTaste = new Float64Array(nU * dim)

  const userStep = () => {
    const n = 1 + G + dim
    const lambda = new Float64Array(n)
    const prior = new Float64Array(n)
    lambda[0] = o.lambdaBeta
    prior[0] = 1
    for (let g = 0; g < G; g++) lambda[1 + g] = o.lambdaGenre
    for (let d = 0; d < dim; d++) lambda[1 + G + d] = o.lambdaTaste
    for (const s of splits) {
      const m = s.train.length
      if (m === 0) continue
      const x = new Float64Array(m * n)
      const y = new Float64Array(m)
      for (let r = 0; r < m; r++) {
        const k = s.train[r]!
        const i = R.item[k]!
        const off = r * n
        x[off] = itemBias[i]!
        for (let t = 0; t < UTILITY_TAGS; t++) {
          const g = itemGenres[i * UTILITY_TAGS + t]!
          if (g >= 0) x[off + 1 + g] = TAG_SCALE
        }
        for (let d = 0; d < dim; d++) x[off + 1 + G + d] = itemVector[i * dim + d]!
        y[r] = R.value[k]! - userMean[s.user]!
      }
      const w = ridge(x, y, m, n, lambda, prior)
      userBeta[s.user] = w[0]!
      for (let g = 0; g < G; g++) userGenre[s.user * G + g] = w[1 + g]!
      for (let d = 0; d < dim; d++) userTaste[s.user * dim + d] = w[1 + G + d]!
    }
  }
  const itemStep = (withBias: boolean) => {
    const n = (withBias ? 1 : 0) + dim
    const lambda = new Float64Array(n).fill(o.lambdaItem)
    if (withBias) lambda[0] = o.lambdaBias
    for (let i = 0; i < nI; i++) {
      const rows = itemRows[i]!
      const m = rows.length
      if (m === 0) continue
      const x = new Float64Array(m * n)
      const y = new Float64Array(m)
      for (let r = 0; r < m; r++) {
        const k = rows[r]!
        const u = R.user[k]!
        const off = r * n
        let base = R.value[k]! - userMean[u]!
        for (let t = 0; t < UTILITY_TAGS; t++) {
          const g = itemGenres[i * UTILITY_TAGS + t]!
          if (g >= 0) base -= TAG_SCALE * userGenre[u * G + g]!
        }
        if (withBias) x[off] = userBeta[u]!
        else base -= userBeta[u]! * itemBias[i]!
        for (let d = 0; d < dim; d++) x[off + (withBias ? 1 : 0) + d] = userTaste[u * dim + d]!
        y[r] = base
      }
      const w = ridge(x, y, m, n, lambda)
      if (withBias) itemBias[i] = w[0]!
      for (let d = 0; d < dim; d++) itemVector[i * dim + d] = w[(withBias ? 1 : 0) + d]!
    }
  }
  for (let it = 0; it < o.iterations; it++) {
    userStep()
    itemStep(true)
  }
  // trueUtility and the diversity metrics want unit item vectors: normalise, give items
  // nobody rated in training the mean direction of items sharing their genres, refit users.
  normaliseVectors(itemVector, nI, dim, itemCount, perItem, rng)
  userStep()
  return { dim, genres, itemGenres, userMean, userSpread, userBeta, userGenre, userTaste, itemBias, itemVector, itemCount }
}

function normaliseVectors(v: Float64Array, n: number, dim: number, count: Float64Array, perItem: string[][], rng: ReturnType<typeof rngFor>): void {
  const byGenre = new Map<string, Float64Array>()
  const unit = (i: number) => {
    let s = 0
    for (let d = 0; d < dim; d++) s += v[i * dim + d]! ** 2
    s = Math.sqrt(s)
    if (s < 1e-9) return false
    for (let d = 0; d < dim; d++) v[i * dim + d]! /= s
    return true
  }
  for (let i = 0; i < n; i++) {
    if (count[i]! === 0 || !unit(i)) {
      count[i] = 0
      continue
    }
    for (const g of perItem[i]!) {
      let acc = byGenre.get(g)
      if (!acc) byGenre.set(g, (acc = new Float64Array(dim)))
      for (let d = 0; d < dim; d++) acc[d]! += v[i * dim + d]!
    }
  }
  for (let i = 0; i < n; i++) {
    if (count[i]! > 0) continue
    for (let d = 0; d < dim; d++) v[i * dim + d] = 0
    for (const g of perItem[i]!) {
      const acc = byGenre.get(g)
      if (acc) for (let d = 0; d < dim; d++) v[i * dim + d]! += acc[d]!
    }
    if (!unit(i)) {
      for (let d = 0; d < dim; d++) v[i * dim + d] = rng.normal()
      unit(i)
    }
  }
}
