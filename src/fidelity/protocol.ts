import { combineSeed, compilePersona, indexCatalog, mix32, rngFor, trueUtility, type TaskRunner } from '../core/index.ts'
import { personaBrief } from '../../agents/users/ailo/agent.ts'
import { familiarity, JUDGE_RECENT_ITEMS, type Calibration } from './calibrate.ts'
import {
  addConfusion,
  alignment,
  distributionDistance,
  emptyConfusion,
  histogram,
  RatingAccumulator,
  type Alignment,
  type Confusion,
  type DistributionDistance,
  type RatingErrors,
} from './metrics.ts'
import { judgeCandidates, rateItems, snapRating, type FidelityCandidate } from './tasks.ts'
import { activityBucket, type ActivityBucket } from './traits.ts'
import { samplePopular, sampleUnseen, watchLogit } from './watch-model.ts'

export interface FidelityOptions {
  /** Negatives per positive, e.g. [1, 3] for 1:1 and 1:3. */
  ratios: number[]
  /** Evaluate a seeded sample of this many users (0 = every user with a held-out liked item). */
  users: number
  seed: number
  /** Candidates per user per ratio (Agent4Rec: 20, so k = 20/(m+1) positives). */
  candidates: number
  /** Held-out rating at or above which an item counts as liked. */
  likedThreshold: number
  /** Std-dev of perception noise on utility (AILO's default). */
  perceptionNoise: number
  /** Items per rate-items call. */
  rateBatch: number
  /** Users evaluated at once (matters with a model backend). */
  concurrency: number
  /**
   * How negatives are drawn from the items a user never rated: `uniform` (Agent4Rec), or
   * `popular`, in proportion to training popularity, which takes away the easy cue that
   * unrated items are mostly obscure and so measures taste rather than mainstreamness.
   */
  negatives: 'uniform' | 'popular'
}

export const FIDELITY_DEFAULTS: FidelityOptions = {
  ratios: [1, 3],
  users: 0,
  seed: 42,
  candidates: 20,
  likedThreshold: 4,
  perceptionNoise: 0.25,
  rateBatch: 20,
  concurrency: 1,
  negatives: 'uniform',
}

export interface RatioResult extends Alignment {
  ratio: string
  users: number
  /** The same candidates judged by popularity alone (a watch model fitted with only the popularity term). */
  popularityJudge: Alignment
}

export interface SliceResult {
  users: number
  ratios: RatioResult[]
  rating: RatingErrors
}

export interface FidelityResult {
  ratios: RatioResult[]
  /**
   * Errors of the answers (on the data's scale), the rating distribution, and `expected`:
   * the errors of the persona's expected rating before it is answered on the scale (the
   * like-for-like comparison with a regression baseline's continuous prediction).
   */
  rating: RatingErrors & { distribution: DistributionDistance; expected: RatingErrors }
  byActivity: Record<ActivityBucket, SliceResult>
  usersEvaluated: number
}

interface Tally {
  users: number
  confusion: Confusion[]
  popularityJudge: Confusion[]
  ratingUsers: number
  rating: RatingAccumulator
}

const newTally = (ratios: number): Tally => ({
  users: 0,
  confusion: Array.from({ length: ratios }, emptyConfusion),
  popularityJudge: Array.from({ length: ratios }, emptyConfusion),
  ratingUsers: 0,
  rating: new RatingAccumulator(),
})

/**
 * Agent4Rec's fidelity protocol on a calibrated population. For each evaluated user and
 * each ratio 1:m, k = min(#held-out liked, candidates/(m+1)) items the user rated at or
 * above the liked threshold after their cut-off are mixed with k·m items the user never
 * rated, shuffled, and the simulated user (task `judge-candidates`) says which it would
 * watch and like. Then it rates every held-out item it really rated (task
 * `rate-items`). Seeded: the same options give the same figures.
 *
 * @example
 * const cal = calibrate(loadDataset('../shared/data/ml-latest-small'))
 * const result = await evaluateFidelity(cal, await createTaskRunner(), { ratios: [1, 3] })
 * result.ratios[0].accuracy
 */
export async function evaluateFidelity(
  cal: Calibration,
  runner: TaskRunner,
  options: Partial<FidelityOptions> = {},
  onProgress?: (done: number, total: number) => void,
): Promise<FidelityResult> {
  const o = { ...FIDELITY_DEFAULTS, ...options }
  const { data, catalog, splits, personas, profiles, watch, popularityJudge, lp, trending, co } = cal
  const R = data.ratings
  const idx = indexCatalog(catalog)
  const users = selectUsers(cal, o)

  const overall = newTally(o.ratios.length)
  const buckets: Record<ActivityBucket, Tally> = { low: newTally(o.ratios.length), medium: newTally(o.ratios.length), high: newTally(o.ratios.length) }
  const cumPop = new Float64Array(catalog.items.length)
  catalog.items.forEach((it, i) => (cumPop[i] = (i ? cumPop[i - 1]! : 0) + it.popularity))
  const expectedErrors = new RatingAccumulator()
  const realRatings: number[] = []
  const simRatings: number[] = []
  const itemCandidate = (i: number): FidelityCandidate => {
    const it = catalog.items[i]!
    const genres = data.items[i]!.genres
    return { id: i, title: it.title, genres, tags: it.tags.filter((t) => !genres.includes(t)).slice(0, 3), year: it.year }
  }

  const evaluateUser = async (u: number) => {
    const persona = personas[u]!
    const cp = compilePersona(persona, idx)
    const brief = personaBrief(persona)
    const split = splits[u]!
    const trainItems = Array.from(split.train, (k) => R.item[k]!)
    const rated = new Set<number>()
    for (const k of split.train) rated.add(R.item[k]!)
    for (const k of split.test) rated.add(R.item[k]!)
    const liked = [...split.test].filter((k) => R.value[k]! >= o.likedThreshold).map((k) => R.item[k]!)
    const tallies = [overall, buckets[activityBucket(persona.traits.activity)]]
    for (const t of tallies) t.users++

    // What the judge reads of this user, the same for every ratio.
    const trend = trending.at(split.cutoff)
    const near = co.affinity(trainItems.slice(-JUDGE_RECENT_ITEMS), (a) => Float64Array.from(a))
    for (const [r, m] of o.ratios.entries()) {
      const k = Math.max(1, Math.min(liked.length, Math.floor(o.candidates / (m + 1))))
      const pick = rngFor(o.seed, 'fidelity-positives', u, m)
      const pool = [...liked]
      const positives: number[] = []
      while (positives.length < k && pool.length) positives.push(pool.splice(pick.int(pool.length), 1)[0]!)
      const negatives =
        o.negatives === 'popular'
          ? samplePopular(cumPop, k * m, rated, o.seed, 'fidelity-negatives', u, m)
          : sampleUnseen(catalog.items.length, k * m, rated, o.seed, 'fidelity-negatives', u, m)
      const shown = [...positives.map((i) => [i, true] as const), ...negatives.map((i) => [i, false] as const)]
      const shuffle = rngFor(o.seed, 'fidelity-order', u, m)
      for (let a = shown.length - 1; a > 0; a--) {
        const b = shuffle.int(a + 1)
        ;[shown[a], shown[b]] = [shown[b]!, shown[a]!]
      }
      const logitOf = (w: typeof watch, i: number) =>
        watchLogit(w, {
          utility: trueUtility(cp, idx, i),
          lp: lp[i]!,
          conformity: persona.traits.conformity,
          activity: persona.traits.activity,
          familiar: familiarity(data.items[i]!.genres, persona.favouriteCategories),
          near: Math.log1p(100 * near[i]!),
          trend: trend[i]!,
        })
      const out = await runner.run(
        judgeCandidates,
        {
          persona: brief,
          profile: profiles[u]!,
          candidates: shown.map(([i]) => itemCandidate(i)),
          hidden: { logit: shown.map(([i]) => logitOf(watch, i)), noise: Math.abs(watch.utility) * o.perceptionNoise },
        },
        { runSeed: o.seed, agent: u, round: r, call: 0 },
      )
      const yes = new Set(out.items.filter((x) => x.watch).map((x) => x.id))
      for (const [i, actual] of shown) {
        const byPopularity = logitOf(popularityJudge, i) > 0
        for (const t of tallies) {
          addConfusion(t.confusion[r]!, yes.has(i), actual)
          addConfusion(t.popularityJudge[r]!, byPopularity, actual)
        }
      }
    }

    const heldOut = [...split.test]
    if (heldOut.length) for (const t of tallies) t.ratingUsers++
    for (let b = 0, call = 0; b < heldOut.length; b += o.rateBatch, call++) {
      const rows = heldOut.slice(b, b + o.rateBatch)
      const out = await runner.run(
        rateItems,
        {
          persona: brief,
          profile: profiles[u]!,
          scale: data.scale,
          items: rows.map((k) => itemCandidate(R.item[k]!)),
          hidden: { expected: rows.map((k) => persona.rating.mean + trueUtility(cp, idx, R.item[k]!)) },
        },
        { runSeed: o.seed, agent: u, round: o.ratios.length, call },
      )
      const given = new Map(out.ratings.map((x) => [x.id, x.rating]))
      for (const k of rows) {
        // A model that skips an item is scored at the user's mean rating, never dropped;
        // an answer off the scale is snapped onto it.
        const sim = snapRating(given.get(R.item[k]!) ?? persona.rating.mean, data.scale)
        for (const t of tallies) t.rating.add(sim, R.value[k]!)
        realRatings.push(R.value[k]!)
        expectedErrors.add(Math.min(data.scale.max, Math.max(data.scale.min, persona.rating.mean + trueUtility(cp, idx, R.item[k]!))), R.value[k]!)
        simRatings.push(sim)
      }
    }
  }

  let done = 0
  let next = 0
  const worker = async () => {
    while (next < users.length) {
      const u = users[next++]!
      await evaluateUser(u)
      onProgress?.(++done, users.length)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, users.length)) }, worker))

  const label = (m: number) => `1:${m}`
  const slice = (t: Tally): SliceResult => ({
    users: t.users,
    ratios: o.ratios.map((m, r) => ({ ratio: label(m), users: t.users, ...alignment(t.confusion[r]!), popularityJudge: alignment(t.popularityJudge[r]!) })),
    rating: t.rating.result(),
  })
  const all = slice(overall)
  return {
    ratios: all.ratios,
    rating: {
      ...all.rating,
      expected: expectedErrors.result(),
      distribution: distributionDistance(histogram(realRatings, data.scale), histogram(simRatings, data.scale), data.scale.step),
    },
    byActivity: { low: slice(buckets.low), medium: slice(buckets.medium), high: slice(buckets.high) },
    usersEvaluated: users.length,
  }
}

/** Users with at least one held-out liked item; a seeded sample of them when asked. */
export function selectUsers(cal: Calibration, o: Pick<FidelityOptions, 'users' | 'seed' | 'likedThreshold'>): number[] {
  const R = cal.data.ratings
  const eligible = cal.splits.filter((s) => [...s.test].some((k) => R.value[k]! >= o.likedThreshold)).map((s) => s.user)
  if (!o.users || o.users >= eligible.length) return eligible
  const key = combineSeed(o.seed, 'fidelity-users')
  return [...eligible]
    .sort((a, b) => mix32(key ^ a) - mix32(key ^ b) || a - b)
    .slice(0, o.users)
    .sort((a, b) => a - b)
}
