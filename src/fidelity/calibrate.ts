import { compilePersona, indexCatalog, outsideValue, rngFor, SLATE_SALIENCE, trueUtility, type ActivityType, type Catalog, type ChoiceParams, type Item, type Persona, type TagWeight } from '../core/index.ts'
import { CoConsumption, topAffinity } from './co-consumption.ts'
import { fitChoiceModel, type ChoiceEvent, type ChoiceFeatures } from './choice-fit.ts'
import type { Dataset } from '../data/index.ts'
import { fitRatingModel, orderedGenres, utilityOf, type RatingModel, type RatingModelOptions } from './rating-model.ts'
import { splitByTime, type SplitOptions, type UserSplit } from './split.ts'
import { logPopularity, percentiles, traitFacts, type UserTraitFacts } from './traits.ts'
import { DEFAULT_WATCH, fitWatchModel, samplePopular, sampleUnseen, type WatchExample, type WatchModel } from './watch-model.ts'
import { tasteProfile, type TasteFacts } from './taste-profile.ts'
import { Trending } from './trending.ts'

export interface CalibrationOptions {
  seed: number
  split: Partial<SplitOptions>
  model: Partial<RatingModelOptions>
  /** A rating at or above this counts as "liked" (Agent4Rec uses 4 on a 1–5 scale). */
  likedThreshold: number
  /** Fit the watch model on an inner split of the training data (set false for a quick catalog-only build). */
  fitWatch: boolean
  /**
   * The never-rated items the watch judge learns to tell liked ones from, on the inner
   * split: `uniform` over the catalogue (Agent4Rec's candidates; mostly obscure films) or
   * drawn by `popular`ity (well-known films the user passed over). The judge is fitted for
   * the candidates `eval fidelity --negatives` will show it, on training data only.
   */
  negatives: 'uniform' | 'popular'
}

export const CALIBRATION_DEFAULTS: CalibrationOptions = { seed: 1, split: {}, model: {}, likedThreshold: 4, fitWatch: true, negatives: 'uniform' }

/** A dataset turned into a catalog and a calibrated population, with what produced them. */
export interface Calibration {
  data: Dataset
  splits: UserSplit[]
  model: RatingModel
  watch: WatchModel
  /** The watch model fitted with popularity alone: the judge alignment is compared with. */
  popularityJudge: WatchModel
  /** The conditional-logit choice model every persona carries (`Persona.choice`). */
  choice: ChoiceParams
  catalog: Catalog
  /** Persona `u` is dataset user `u`. */
  personas: Persona[]
  /** The short natural-language taste profile of each user, for the LLM path. */
  profiles: string[]
  /** Log relative popularity per item (training counts). */
  lp: Float64Array
  /** Each item's popularity in the year before a moment, from training rows (the judge's `trend`). */
  trending: Trending
  /** Who consumed what in the training part (the judge's `near`). */
  co: CoConsumption
  facts: UserTraitFacts[]
}

const round = (x: number, k = 1e4) => Math.round(x * k) / k
const DENSITY = ['low', 'medium', 'high'] as const
const EXPRESSION = ['direct', 'descriptive', 'questioning'] as const
const TONE = ['friendly', 'neutral', 'blunt'] as const

/**
 * Calibrates a population from each user's earlier history: splits every user's
 * ratings in time, fits the utility model on the older part only, and writes each user
 * as a `Persona` whose `trueUtility` reproduces the fitted rating deviation. Nothing a
 * user did after their cut-off informs their persona, the catalog's popularity, or the
 * item tags.
 *
 * @example
 * const cal = calibrate(loadDataset('../shared/data/ml-latest-small'))
 * cal.personas[0].traits // { activity, conformity, diversity } from the data
 */
export function calibrate(data: Dataset, options: Partial<CalibrationOptions> = {}): Calibration {
  const o = { ...CALIBRATION_DEFAULTS, ...options }
  const splits = splitByTime(data, o.split)
  const model = fitRatingModel(data, splits, { seed: o.seed, ...o.model })
  const lp = logPopularity(model.itemCount)
  const facts = traitFacts(data, splits, lp)
  const traits = traitPercentiles(facts)
  const { watch, popularityJudge, choice } = o.fitWatch
    ? fitWatchOnInnerSplit(data, splits, o)
    : { watch: DEFAULT_WATCH, popularityJudge: fitWatchModel([], undefined, 'popularity'), choice: fitChoiceModel([], DEFAULT_WATCH) }
  const catalog = buildCatalog(data, splits, model)
  const idx = indexCatalog(catalog)
  const R = data.ratings
  const co = new CoConsumption(splits.map((s) => Array.from(s.train, (k) => R.item[k]!)), data.items.length)
  const trending = new Trending(data, splits)
  const personas = data.users.map((_, u) => {
    const p = buildPersona(u, data, splits[u]!, model, traits[u]!, facts[u]!, watch, catalog, o)
    // Not clicking is taking anything else the user has not seen: its value is their log-sum-exp.
    const cp = compilePersona(p, idx)
    const consumed = new Set(Array.from(splits[u]!.train, (k) => R.item[k]!))
    const trainItems = Array.from(splits[u]!.train, (k) => R.item[k]!)
    const near = co.affinity(trainItems.slice(-RECENT_ITEMS), (aff) => topAffinity(aff, NEAR_ITEMS, consumed))
    const trendingNow = topTrending(trending.at(splits[u]!.cutoff), TREND_ITEMS, consumed)
    const own = { ...choice, near, trending: trendingNow }
    const outside = outsideValue(own, p, catalog.items, (i) => trueUtility(cp, idx, i), consumed) - Math.log(SLATE_SALIENCE)
    return { ...p, choice: { ...own, outside: round(outside) } }
  })
  let meanLp = 0
  for (const v of lp) meanLp += v / lp.length
  const profiles = personas.map((p, u) => tasteProfile(p, tasteFacts(data, splits[u]!, model, facts[u]!, meanLp)))
  return { data, splits, model, watch, popularityJudge, choice, catalog, personas, profiles, lp, facts, trending, co }
}

export function traitPercentiles(facts: readonly UserTraitFacts[]): Persona['traits'][] {
  const activity = percentiles(facts.map((f) => f.count))
  const conformity = percentiles(facts.map((f) => f.popularityBias))
  const diversity = percentiles(facts.map((f) => f.genresFor80))
  return facts.map((_, u) => ({ activity: round(activity[u]!, 1e3), conformity: round(conformity[u]!, 1e3), diversity: round(diversity[u]!, 1e3) }))
}

/** Training-visible free-text tags per item: a tag counts only if its author put it there before their own cut-off. */
function visibleTags(data: Dataset, splits: readonly UserSplit[]): Map<number, string[]> {
  const counts = new Map<number, Map<string, number>>()
  for (const a of data.tagApplications) {
    if (a.user >= 0 && a.time > splits[a.user]!.cutoff) continue
    let m = counts.get(a.item)
    if (!m) counts.set(a.item, (m = new Map()))
    m.set(a.tag, (m.get(a.tag) ?? 0) + 1)
  }
  const out = new Map<number, string[]>()
  for (const [item, m] of counts) out.set(item, [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t]) => t))
  for (const [i, it] of data.items.entries()) if (it.tags.length) out.set(i, [...it.tags, ...(out.get(i) ?? [])])
  return out
}

/** The catalog: genres as category and leading tags, training popularity, quality from the item bias. */
export function buildCatalog(data: Dataset, splits: readonly UserSplit[], model: RatingModel): Catalog {
  const { genres, perItem } = orderedGenres(data)
  const userTags = visibleTags(data, splits)
  const qScale = qualityScale(model)
  let total = 0
  for (const c of model.itemCount) total += c + 1
  const genreSet = new Set(genres)
  const tagSet = new Set<string>(genres)
  const items: Item[] = data.items.map((it, i) => {
    const gs = perItem[i]!
    // Free tags never share a name with a genre: a persona's genre weight must not count twice.
    const free = (userTags.get(i) ?? []).filter((t) => !genreSet.has(t) && !gs.some((g) => g.toLowerCase() === t)).slice(0, 3)
    for (const t of free) tagSet.add(t)
    const vector = Array.from(model.itemVector.subarray(i * model.dim, (i + 1) * model.dim), (x) => round(x, 1e6))
    return {
      id: i,
      title: it.title,
      description: [gs.length ? gs.join(', ') : 'unclassified', it.year ? `(${it.year})` : '', free.length ? `tagged ${free.join(', ')}` : '']
        .filter(Boolean)
        .join(' '),
      category: gs[0] ?? 'Unclassified',
      // The first four tags are what trueUtility reads: genres (rarest first) lead.
      tags: [...gs, ...free],
      price: 0,
      quality: round(0.5 + model.itemBias[i]! / qScale, 1e6),
      popularity: (model.itemCount[i]! + 1) / total,
      year: it.year,
      vector,
    }
  })
  const categories = [...new Set(items.map((it) => it.category))].sort()
  return { items, categories, tags: [...tagSet] }
}

/** Item bias b maps to quality 0.5 + b/Q in [0, 1], and β_u·b to qualityWeight·(quality − 0.5) with qualityWeight = β_u·Q. */
function qualityScale(model: RatingModel): number {
  let max = 0
  for (const b of model.itemBias) max = Math.max(max, Math.abs(b))
  return Math.max(1, 2 * max)
}

function buildPersona(
  u: number,
  data: Dataset,
  split: UserSplit,
  model: RatingModel,
  traits: Persona['traits'],
  facts: UserTraitFacts,
  watch: WatchModel,
  catalog: Catalog,
  o: CalibrationOptions,
): Persona {
  const G = model.genres.length
  const rng = rngFor(o.seed, 'calibrated-persona', u)
  const likes: TagWeight[] = []
  const dislikes: TagWeight[] = []
  for (let g = 0; g < G; g++) {
    const w = model.userGenre[u * G + g]!
    if (w > 0) likes.push({ tag: model.genres[g]!, weight: round(w, 1e5) })
    else if (w < 0) dislikes.push({ tag: model.genres[g]!, weight: round(-w, 1e5) })
  }
  likes.sort((a, b) => b.weight - a.weight)
  dislikes.sort((a, b) => b.weight - a.weight)
  const share = genreShares(data, split)
  const favouriteCategories = favouriteGenres(share, catalog.categories)
  // A genre the user never touched in a long history, while it is common, is a hard no.
  // (Its fitted weight is 0, for want of data, so it is not among the dislikes.)
  const hardDislikes = facts.count >= 20 ? model.genres.filter((g) => !share.has(g) && genreFrequency(data, g) >= 0.05) : []
  const activityType: ActivityType = traits.diversity >= 0.66 ? 'exploration' : traits.activity < 0.33 ? 'efficiency' : 'detail'
  // The watch threshold at an item of uniform popularity, in the fit space AILO uses (sigmoid(2·utility)).
  const z0 = watch.activity * (traits.activity - 0.5) + watch.bias
  const threshold = watch.utility > 0 ? -z0 / watch.utility : 0
  return {
    id: u,
    name: `User ${data.users[u]!.key}`,
    activityType,
    likes,
    dislikes,
    hardDislikes,
    favouriteCategories: favouriteCategories.length ? favouriteCategories : [catalog.categories[0]!],
    // Style is not in rating logs: drawn, seeded per user.
    linguistic: { informationDensity: rng.pick(DENSITY), expressionStyle: rng.pick(EXPRESSION), tone: rng.pick(TONE) },
    expectation: round(Math.min(0.95, Math.max(0.05, 1 / (1 + Math.exp(-2 * threshold)))), 1e3),
    patience: round(0.4 + 0.4 * traits.activity, 1e3),
    fatigueRate: round(0.12 - 0.06 * traits.activity, 1e3),
    traits,
    rating: { mean: round(model.userMean[u]!), spread: round(model.userSpread[u]!) },
    hidden: {
      taste: Array.from(model.userTaste.subarray(u * model.dim, (u + 1) * model.dim), (x) => round(x, 1e6)),
      qualityWeight: round(model.userBeta[u]! * qualityScale(model), 1e6),
      priceWeight: 0,
    },
  }
}

const genreFreqCache = new WeakMap<Dataset, Map<string, number>>()
function genreFrequency(data: Dataset, genre: string): number {
  let m = genreFreqCache.get(data)
  if (!m) {
    m = new Map()
    for (const it of data.items) for (const g of it.genres) m.set(g, (m.get(g) ?? 0) + 1 / data.items.length)
    genreFreqCache.set(data, m)
  }
  return m.get(genre) ?? 0
}

/** The two genres most present in a training history (that are also item categories). */
function favouriteGenres(share: Map<string, number>, categories: readonly string[]): string[] {
  return [...share]
    .filter(([g]) => categories.includes(g))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 2)
    .map(([g]) => g)
}

/** 1 when the item has one of the favourite genres. */
export function familiarity(genres: readonly string[], favourites: readonly string[]): number {
  return genres.some((g) => favourites.includes(g)) ? 1 : 0
}

function genreShares(data: Dataset, split: UserSplit): Map<string, number> {
  const m = new Map<string, number>()
  for (const k of split.train) for (const g of data.items[data.ratings.item[k]!]!.genres) m.set(g, (m.get(g) ?? 0) + 1 / split.train.length)
  return m
}

function tasteFacts(data: Dataset, split: UserSplit, model: RatingModel, facts: UserTraitFacts, meanLp: number): TasteFacts {
  const R = data.ratings
  const rows = [...split.train].sort((a, b) => R.value[b]! - R.value[a]! || R.time[b]! - R.time[a]!)
  const title = (k: number) => data.items[R.item[k]!]!.title
  const loved = rows.filter((k) => R.value[k]! >= 4).slice(0, 5).map(title)
  const disliked = rows.filter((k) => R.value[k]! <= 2).reverse().slice(0, 3).map(title)
  return { rated: facts.count, loved, disliked, mainstream: facts.popularityBias - meanLp, scaleMax: data.scale.max, dim: model.dim }
}

/**
 * Builds watch examples on an inner time split of the training data (older 80 % of
 * each user's training ratings fit the model; the rest, liked, against as many items
 * the user never rated in training) and fits the watch model on them.
 */
function fitWatchOnInnerSplit(data: Dataset, splits: readonly UserSplit[], o: CalibrationOptions): { watch: WatchModel; popularityJudge: WatchModel; choice: ChoiceParams } {
  const inner: UserSplit[] = splits.map((s) => {
    const n = s.train.length < 5 ? s.train.length : Math.max(1, Math.round(s.train.length * 0.8))
    const train = s.train.slice(0, n)
    return { user: s.user, train, test: s.train.slice(n), cutoff: train.length ? data.ratings.time[train[train.length - 1]!]! : -Infinity }
  })
  const model = fitRatingModel(data, inner, { seed: o.seed, ...o.model })
  const lp = logPopularity(model.itemCount)
  const traits = traitPercentiles(traitFacts(data, inner, lp))
  const R = data.ratings
  const categories = [...new Set(orderedGenres(data).perItem.map((gs) => gs[0] ?? 'Unclassified'))]
  const examples: WatchExample[] = []
  const events: ChoiceEvent[] = []
  const cumPop = new Float64Array(data.items.length)
  let acc = 0
  model.itemCount.forEach((c, i) => (cumPop[i] = acc += c + 1))
  const co = new CoConsumption(inner.map((s) => Array.from(s.train, (k) => R.item[k]!)), data.items.length)
  const trending = new Trending(data, inner)
  for (const s of inner) {
    const favs = favouriteGenres(genreShares(data, s), categories)
    const fam = (i: number) => familiarity(data.items[i]!.genres, favs)
    // Choices: up to 5 of the items the user rated next, each against 9 alternatives drawn by popularity.
    const innerSeen = new Set([...s.train].map((k) => R.item[k]!))
    const trainItems = Array.from(s.train, (k) => R.item[k]!)
    const liked = [...s.test].filter((k) => R.value[k]! >= o.likedThreshold).map((k) => R.item[k]!)
    const seen = new Set([...splits[s.user]!.train].map((k) => R.item[k]!))
    const t = traits[s.user]!
    const trend = trending.at(s.cutoff)
    co.affinity(trainItems.slice(-RECENT_ITEMS), (aff) => {
      // Fitted on what a persona carries: its NEAR_ITEMS most affine items, the rest 0.
      const kept = topAffinity(aff, NEAR_ITEMS, innerSeen)
      const nearOf = new Map(kept.items.map((i, j) => [i, kept.scores[j]!]))
      const trendKept = topTrending(trend, TREND_ITEMS, innerSeen)
      const trendOf = new Map(trendKept.items.map((i, j) => [i, trendKept.scores[j]!]))
      const feat = (i: number): ChoiceFeatures => ({
        utility: utilityOf(model, s.user, i),
        lp: lp[i]!,
        conformity: t.conformity,
        familiar: fam(i),
        recent: nearOf.get(i) ?? 0,
        trend: trendOf.get(i) ?? 0,
        logSampled: Math.log(model.itemCount[i]! + 1),
      })
      for (const [e, k] of [...s.test].slice(0, 5).entries()) {
        const i = R.item[k]!
        const alts = samplePopular(cumPop, 9, new Set([...innerSeen, i]), o.seed, 'choice-fit', s.user, e)
        events.push({ chosen: feat(i), alternatives: alts.map(feat) })
      }
    })
    if (!liked.length) continue
    // The judge reads the affinity to more of the user's latest items than the choice model keeps per persona.
    co.affinity(trainItems.slice(-JUDGE_RECENT_ITEMS), (judgeNear) => {
      const example = (i: number, watched: boolean): WatchExample => ({
        utility: utilityOf(model, s.user, i),
        lp: lp[i]!,
        conformity: t.conformity,
        activity: t.activity,
        familiar: fam(i),
        near: Math.log1p(100 * judgeNear[i]!),
        trend: trend[i]!,
        watched,
      })
      // Negatives as the judge will meet them (see CalibrationOptions.negatives).
      const negatives =
        o.negatives === 'popular'
          ? samplePopular(cumPop, liked.length, seen, o.seed, 'watch-fit-popular', s.user)
          : sampleUnseen(data.items.length, liked.length, seen, o.seed, 'watch-fit', s.user)
      for (const i of liked) examples.push(example(i, true))
      for (const i of negatives) examples.push(example(i, false))
    })
  }
  const watch = fitWatchModel(examples)
  // How far a rating falls from the expected one on ratings the model did not see: the
  // noise a simulated user's rating carries (the spread of real ratings, not only their mean).
  let se = 0
  let n = 0
  for (const s of inner) for (const k of s.test) (se += (R.value[k]! - model.userMean[s.user]! - utilityOf(model, s.user, R.item[k]!)) ** 2), n++
  const ratingNoise = n ? round(Math.sqrt(se / n)) : undefined
  return {
    watch,
    popularityJudge: fitWatchModel(examples, undefined, 'popularity'),
    choice: { ...fitChoiceModel(events, watch), ...(ratingNoise !== undefined ? { ratingNoise } : {}) },
  }
}

/** Each user's training items (oldest first) and ratings: the warm-start log of the movielens scenario. */
export function trainingHistory(cal: Pick<Calibration, 'data' | 'splits'>): { history: number[][]; historyRatings: number[][]; historySource: string } {
  const R = cal.data.ratings
  const history = cal.splits.map((s) => Array.from(s.train, (k) => R.item[k]!))
  const historyRatings = cal.splits.map((s) => Array.from(s.train, (k) => R.value[k]!))
  const rows = history.reduce((n, h) => n + h.length, 0)
  const name = cal.data.source.split(/[\\/]/).filter(Boolean).at(-1) ?? cal.data.source
  return { history, historyRatings, historySource: `${name}: training split (each user's older ratings, ${rows.toLocaleString('en-US')} rows; never the held-out part)` }
}

/** How many of a user's latest items anchor their co-consumption affinity. */
const RECENT_ITEMS = 10
/** How many of a user's latest items anchor the affinity the watch judge reads (protocol.ts). */
export const JUDGE_RECENT_ITEMS = 30
/** How many of the items most watched around a user's time a persona keeps (the rest count 0). */
const TREND_ITEMS = 300

/** The `k` items (outside `exclude`) with the highest trend, ids ascending, scored above an item nobody watched. */
function topTrending(trend: Float32Array, k: number, exclude: ReadonlySet<number>): { items: number[]; scores: number[] } {
  let floor = Infinity
  for (const v of trend) if (v < floor) floor = v
  return topAffinity(Float64Array.from(trend, (v) => v - floor), k, exclude, 1e4)
}

/** How many of the most affine items a persona keeps (the rest count 0). */
const NEAR_ITEMS = 300

