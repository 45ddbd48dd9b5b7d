import { queryTerms, type Catalog, type Item, type Persona, type Rng } from '../../../src/core/index.ts'
import type { SearchNeed, WriteQueryInput } from './tasks/write-query.ts'

/**
 * What a searching AILO user wants and how well an item meets it. The need is drawn from the
 * persona (a favourite category most of the time, a liked attribute when the catalog has
 * one) and from a real item of the category (its product word and brand), so a query is
 * always made of the catalog's own vocabulary.
 */

/** An item's brand and product words, read from a shop title "<Brand> <attribute> <product>". */
export function titleParts(it: Item): { brand: string; product: string } {
  const words = it.title.split(' ')
  return words.length >= 3 ? { brand: words[0]!, product: words.slice(2).join(' ') } : { brand: '', product: it.title.toLowerCase() }
}

const byCategory = new WeakMap<Catalog, Map<string, Item[]>>()
function itemsOf(catalog: Catalog, category: string): Item[] {
  let m = byCategory.get(catalog)
  if (!m) {
    m = new Map()
    for (const it of catalog.items) {
      let l = m.get(it.category)
      if (!l) m.set(it.category, (l = []))
      l.push(it)
    }
    byCategory.set(catalog, m)
  }
  return m.get(category) ?? []
}

/** A new need for this persona. */
export function drawNeed(persona: Persona, catalog: Catalog, rng: Rng): SearchNeed {
  const fav = persona.favouriteCategories.filter((c) => itemsOf(catalog, c).length)
  const category = fav.length && rng.next() < 0.7 ? rng.pick(fav) : rng.pick(catalog.categories.filter((c) => itemsOf(catalog, c).length))
  const model = rng.pick(itemsOf(catalog, category))
  const { brand, product } = titleParts(model)
  const liked = persona.likes.map((l) => l.tag).filter((t) => catalog.tags.includes(t))
  const attributes = [liked.length && rng.next() < 0.6 ? rng.pick(liked) : model.tags[0]!]
  const other = model.tags.find((t) => t !== attributes[0])
  if (other) attributes.push(other)
  return { category, product, attributes, brand: brand && rng.next() < 0.35 ? brand : null }
}

/** How this persona writes queries (fixed per persona). */
export function queryStyle(persona: Persona): Omit<WriteQueryInput['style'], 'vague'> {
  return {
    length: persona.linguistic.informationDensity === 'high' || (persona.linguistic.informationDensity === 'medium' && persona.activityType === 'detail') ? 'long' : 'short',
    lead: persona.linguistic.expressionStyle === 'direct' ? 'brand' : persona.linguistic.expressionStyle === 'descriptive' ? 'attribute' : 'product',
  }
}

/**
 * How well an item meets a need, in [0, 1]: its category (0.35), its product word (0.35),
 * each wanted attribute it has (0.2 split among them) and the brand, when one is wanted (0.1).
 */
export function relevance(it: Item, need: SearchNeed): number {
  const { brand, product } = titleParts(it)
  let r = 0
  if (it.category === need.category) r += 0.35
  if (product === need.product) r += 0.35
  if (need.attributes.length) r += (0.2 * need.attributes.filter((a) => it.tags.includes(a)).length) / need.attributes.length
  if (need.brand === null || brand === need.brand) r += 0.1
  return r
}

/** Does a query mention nothing of the catalog (every term unknown, e.g. all misspelt)? Used in tests and docs. */
export function knownTerms(query: string, catalog: Catalog): number {
  const vocab = new Set(catalog.items.flatMap((it) => queryTerms(`${it.title} ${it.category} ${it.tags.join(' ')}`)))
  return queryTerms(query).filter((t) => vocab.has(t)).length
}
