import { rngFor, type Rng } from '../rng.ts'
import { LATENT_DIM, type Catalog, type Item } from '../types.ts'
import { CATEGORIES, TAGS, TITLE_ADJECTIVES, TITLE_NOUNS } from './vocabulary.ts'

export interface CatalogOptions {
  seed: number
  size: number
  /** Zipf exponent of prior popularity (long tail). */
  zipf?: number
  categories?: readonly string[]
  tags?: readonly string[]
}

/** A unit vector in the latent space, fixed by (seed, key): shared by items and personas. */
export function latentDirection(seed: number, key: string): number[] {
  const cacheKey = `${seed}:${key}`
  let v = directions.get(cacheKey)
  if (!v) {
    const rng = rngFor(seed, 'direction', key)
    v = normalize(Array.from({ length: LATENT_DIM }, () => rng.normal()))
    if (directions.size > 10_000) directions.clear()
    directions.set(cacheKey, v)
  }
  return v
}

// Personas reuse the same few dozen directions; caching them makes persona generation cheap.
const directions = new Map<string, number[]>()

export function normalize(v: number[]): number[] {
  let n = 0
  for (const x of v) n += x * x
  n = Math.sqrt(n) || 1
  return v.map((x) => x / n)
}

function pickDistinct<T>(rng: Rng, items: readonly T[], count: number): T[] {
  const out: T[] = []
  while (out.length < count && out.length < items.length) {
    const x = rng.pick(items)
    if (!out.includes(x)) out.push(x)
  }
  return out
}

/**
 * A seeded synthetic catalog: category, 2–3 attribute tags, price, quality, a
 * long-tailed prior popularity, a title, a short description and a latent vector
 * built from the category's and tags' directions plus noise (so tags mean something).
 */
export function generateCatalog(opts: CatalogOptions): Catalog {
  const categories = [...(opts.categories ?? CATEGORIES)]
  const tags = [...(opts.tags ?? TAGS)]
  const zipf = opts.zipf ?? 0.9
  const rng = rngFor(opts.seed, 'catalog')
  const catDir = new Map(categories.map((c) => [c, latentDirection(opts.seed, `cat:${c}`)]))
  const tagDir = new Map(tags.map((t) => [t, latentDirection(opts.seed, `tag:${t}`)]))

  const items: Item[] = []
  for (let id = 0; id < opts.size; id++) {
    const category = rng.pick(categories)
    const itemTags = pickDistinct(rng, tags, 2 + rng.int(2))
    const base = catDir.get(category) as number[]
    const v = base.map((x, d) => {
      let s = 0.8 * x + 0.35 * rng.normal()
      for (const t of itemTags) s += 0.6 * (tagDir.get(t) as number[])[d]!
      return s
    })
    const quality = Math.min(1, Math.max(0, 0.55 + 0.2 * rng.normal()))
    const price = Math.round((5 + 45 * rng.next() * rng.next() + 10 * quality) * 100) / 100
    const title = `${rng.pick(TITLE_ADJECTIVES)} ${rng.pick(TITLE_NOUNS)}${rng.next() < 0.2 ? ` ${2 + rng.int(3)}` : ''}`
    items.push({
      id,
      title,
      description: `A ${itemTags.join(', ')} ${category} title.`,
      category,
      tags: itemTags,
      price,
      quality: Math.round(quality * 1000) / 1000,
      popularity: 0,
      year: 1970 + rng.int(56),
      vector: normalize(v).map((x) => Math.round(x * 1e6) / 1e6),
    })
  }
  // Popularity follows broad appeal (quality and the mainstream direction that every
  // persona's taste leans toward) plus luck, so most-popular is a sensible baseline.
  const mainstream = latentDirection(opts.seed, 'mainstream')
  const appeal = items.map((it) => {
    let d = 0
    for (let k = 0; k < it.vector.length; k++) d += it.vector[k]! * mainstream[k]!
    return 2 * (it.quality - 0.55) + d + 0.5 * rng.normal()
  })
  const order = items.map((it) => it.id).sort((a, b) => appeal[b]! - appeal[a]! || a - b)
  let z = 0
  for (let r = 1; r <= opts.size; r++) z += 1 / Math.pow(r, zipf)
  order.forEach((id, r) => (items[id]!.popularity = 1 / Math.pow(r + 1, zipf) / z))
  return { items, categories, tags }
}
