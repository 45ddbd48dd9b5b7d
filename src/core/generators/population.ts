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
 * Tastes a scenario states for a persona (a user group's: "students like textbooks").
 * Each replaces the drawn one, and the hidden utility is built from them, so what the
 * persona shows and what it truly likes agree. Overriding `favouriteCategories` on the
 * returned persona instead would leave the hidden taste as drawn.
 */
export interface StatedTastes {
  favouriteCategories?: string[]
  likes?: TagWeight[]
  dislikes?: TagWeight[]
  /** Default: the dislikes of weight above 0.85. */
  hardDislikes?: string[]
  /**
   * How strongly the stated favourite categories pull the hidden taste, relative to the
   * drawn ones (default 1; 2 makes a group's favourites dominate its idiosyncratic part).
   */
  strength?: number
}

/**
 * Persona `id` of a seeded synthetic population. The hidden taste vector is built
 * from the visible likes, dislikes and favourite categories plus an idiosyncratic
 * part, so a model reading the persona text can act on it, yet not perfectly.
 * `tastes` states some of those instead of drawing them (the other fields are drawn
 * exactly as without it).
 */
export function generatePersona(id: number, opts: { seed: number; catalog: Catalog }, tastes: StatedTastes = {}): Persona {
  const rng = rngFor(opts.seed, 'persona', id)
  const { catalog } = opts
  const shuffled = [...catalog.tags]
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    ;[shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string]
  }
  const nLikes = 2 + rng.int(3)
  const nDislikes = 1 + rng.int(2)
  // Everything is drawn even when stated, so the rest of the persona does not depend on what was stated.
  const drawnLikes: TagWeight[] = shuffled.slice(0, nLikes).map((tag) => ({ tag, weight: round3(0.4 + 0.6 * rng.next()) }))
  const drawnDislikes: TagWeight[] = shuffled
    .slice(nLikes, nLikes + nDislikes)
    .map((tag) => ({ tag, weight: round3(0.4 + 0.6 * rng.next()) }))
  const drawnFavourites = [rng.pick(catalog.categories)]
  if (rng.next() < 0.5) {
    const second = rng.pick(catalog.categories)
    if (second !== drawnFavourites[0]) drawnFavourites.push(second)
  }
  const likes = tastes.likes ? tastes.likes.map((l) => ({ ...l })) : drawnLikes
  const dislikes = tastes.dislikes ? tastes.dislikes.map((d) => ({ ...d })) : drawnDislikes
  const hardDislikes = tastes.hardDislikes ? [...tastes.hardDislikes] : dislikes.filter((d) => d.weight > 0.85).map((d) => d.tag)
  const favouriteCategories = tastes.favouriteCategories ? [...tastes.favouriteCategories] : drawnFavourites
  const categoryPull = 0.9 * (tastes.favouriteCategories ? (tastes.strength ?? 1) : 1)

  const taste = new Array<number>(16).fill(0)
  const add = (dir: number[], w: number) => dir.forEach((x, d) => (taste[d] = (taste[d] as number) + w * x))
  add(latentDirection(opts.seed, 'mainstream'), 0.6)
  for (const c of favouriteCategories) add(latentDirection(opts.seed, `cat:${c}`), categoryPull)
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
