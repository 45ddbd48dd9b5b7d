import { rngFor } from '../rng.ts'
import type { ActivityType, Catalog, LinguisticStyle, Persona, TagWeight } from '../types.ts'
import { latentDirection, normalize } from './catalog.ts'
import { FIRST_NAMES } from './vocabulary.ts'

const ACTIVITY: readonly ActivityType[] = ['efficiency', 'detail', 'exploration']
const DENSITY: readonly LinguisticStyle['informationDensity'][] = ['low', 'medium', 'high']
const EXPRESSION: readonly LinguisticStyle['expressionStyle'][] = ['direct', 'descriptive', 'questioning']
const TONE: readonly LinguisticStyle['tone'][] = ['friendly', 'neutral', 'blunt']

const clamp01 = (x: number) => Math.min(1, Math.max(0, x))
const round3 = (x: number) => Math.round(x * 1000) / 1000

/**
 * Persona `id` of a seeded synthetic population. The hidden taste vector is built
 * from the visible likes, dislikes and favourite categories plus an idiosyncratic
 * part, so a model reading the persona text can act on it, yet not perfectly.
 */
export function generatePersona(id: number, opts: { seed: number; catalog: Catalog }): Persona {
  const rng = rngFor(opts.seed, 'persona', id)
  const { catalog } = opts
  const shuffled = [...catalog.tags]
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    ;[shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string]
  }
  const nLikes = 2 + rng.int(3)
  const nDislikes = 1 + rng.int(2)
  const likes: TagWeight[] = shuffled.slice(0, nLikes).map((tag) => ({ tag, weight: round3(0.4 + 0.6 * rng.next()) }))
  const dislikes: TagWeight[] = shuffled
    .slice(nLikes, nLikes + nDislikes)
    .map((tag) => ({ tag, weight: round3(0.4 + 0.6 * rng.next()) }))
  const hardDislikes = dislikes.filter((d) => d.weight > 0.85).map((d) => d.tag)
  const favouriteCategories = [rng.pick(catalog.categories)]
  if (rng.next() < 0.5) {
    const second = rng.pick(catalog.categories)
    if (second !== favouriteCategories[0]) favouriteCategories.push(second)
  }

  const taste = new Array<number>(16).fill(0)
  const add = (dir: number[], w: number) => dir.forEach((x, d) => (taste[d] = (taste[d] as number) + w * x))
  add(latentDirection(opts.seed, 'mainstream'), 0.6)
  for (const c of favouriteCategories) add(latentDirection(opts.seed, `cat:${c}`), 0.9)
  for (const l of likes) add(latentDirection(opts.seed, `tag:${l.tag}`), 0.7 * l.weight)
  for (const d of dislikes) add(latentDirection(opts.seed, `tag:${d.tag}`), -0.7 * d.weight)
  for (let d = 0; d < taste.length; d++) taste[d] = (taste[d] as number) + 0.45 * rng.normal()

  const activityType = rng.pick(ACTIVITY)
  const activity = clamp01(0.5 + 0.25 * rng.normal())
  return {
    id,
    name: `${rng.pick(FIRST_NAMES)} ${String.fromCharCode(65 + rng.int(26))}.`,
    activityType,
    likes,
    dislikes,
    hardDislikes,
    favouriteCategories,
    linguistic: { informationDensity: rng.pick(DENSITY), expressionStyle: rng.pick(EXPRESSION), tone: rng.pick(TONE) },
    expectation: round3(clamp01(0.5 + 0.15 * rng.normal() + (activityType === 'detail' ? 0.08 : 0))),
    patience: round3(clamp01(0.55 + 0.18 * rng.normal() + (activityType === 'exploration' ? 0.1 : 0))),
    fatigueRate: round3(0.05 + 0.1 * rng.next() + (activityType === 'efficiency' ? 0.05 : 0)),
    traits: {
      activity: round3(activity),
      conformity: round3(clamp01(0.4 + 0.2 * rng.normal())),
      diversity: round3(clamp01(0.4 + 0.2 * rng.normal() + (activityType === 'exploration' ? 0.2 : 0))),
    },
    rating: { mean: round3(3.2 + 0.45 * rng.normal()), spread: round3(0.7 + 0.5 * rng.next()) },
    hidden: {
      taste: normalize(taste).map(round3),
      qualityWeight: round3(0.4 + 0.6 * rng.next()),
      priceWeight: round3(-0.3 * rng.next()),
    },
  }
}
