import { latentDirection, normalize, rngFor, type Catalog, type Item } from '../../src/core/index.ts'

/** The fashion vocabulary of the interactive feed: structured attributes travel as `attr:value` tags. */
export const FASHION = {
  categories: ['skirt', 'dress', 'coat', 'sweater', 'jeans', 'shirt'],
  attrs: {
    length: ['short', 'midi', 'long'],
    color: ['light blue', 'navy', 'black', 'white', 'beige', 'red'],
    pattern: ['floral', 'striped', 'plain', 'plaid'],
  } as Record<string, string[]>,
  styles: ['light', 'warm', 'romantic', 'casual', 'elegant', 'sporty', 'vintage', 'minimalist'],
}

const BRANDS = ['Aurora', 'Maple', 'Linden', 'Nimbus', 'Sable', 'Juniper', 'Harbor', 'Willow', 'Cobalt', 'Fern', 'Ember', 'Quill']
/** Base price by category (the long tail is multiplied on top). */
const BASE_PRICE: Record<string, number> = { skirt: 120, dress: 180, coat: 300, sweater: 140, jeans: 110, shirt: 80 }

/**
 * A seeded fashion catalog: category, length, colour, pattern (hard, checkable), one or
 * two styles (soft), price, year, a long-tailed popularity and a latent vector built
 * from the attribute directions.
 */
export function fashionCatalog(seed: number, size: number): Catalog {
  const rng = rngFor(seed, 'fashion-catalog')
  const tags = [...Object.entries(FASHION.attrs).flatMap(([a, vs]) => vs.map((v) => `${a}:${v}`)), ...FASHION.styles]
  const items: Item[] = []
  for (let id = 0; id < size; id++) {
    const category = rng.pick(FASHION.categories)
    const length = rng.pick(FASHION.attrs.length!)
    const color = rng.pick(FASHION.attrs.color!)
    const pattern = rng.pick(FASHION.attrs.pattern!)
    const styles = [rng.pick(FASHION.styles)]
    if (rng.next() < 0.5) {
      const s = rng.pick(FASHION.styles)
      if (s !== styles[0]) styles.push(s)
    }
    const itemTags = [`length:${length}`, `color:${color}`, `pattern:${pattern}`, ...styles]
    const v = new Array<number>(16).fill(0)
    for (const t of [category, ...itemTags]) latentDirection(seed, `fashion:${t}`).forEach((x, d) => (v[d] = v[d]! + x))
    for (let d = 0; d < v.length; d++) v[d] = v[d]! + 0.4 * rng.normal()
    const quality = Math.min(1, Math.max(0, 0.55 + 0.2 * rng.normal()))
    const price = Math.max(15, Math.round(BASE_PRICE[category]! * Math.exp(0.45 * rng.normal())))
    const brand = rng.pick(BRANDS)
    items.push({
      id,
      title: `${brand} ${color} ${pattern} ${length} ${category}`,
      description: `A ${styles.join(', ')} ${length} ${category} in ${color} with a ${pattern} pattern.`,
      category,
      tags: itemTags,
      price,
      quality: Math.round(quality * 1000) / 1000,
      popularity: 0,
      year: 2016 + rng.int(10),
      vector: normalize(v).map((x) => Math.round(x * 1e6) / 1e6),
    })
  }
  const appeal = items.map((it) => 2 * it.quality + 0.6 * rng.normal())
  const order = items.map((it) => it.id).sort((a, b) => appeal[b]! - appeal[a]! || a - b)
  let z = 0
  for (let r = 1; r <= size; r++) z += 1 / Math.pow(r, 0.9)
  order.forEach((id, r) => (items[id]!.popularity = 1 / Math.pow(r + 1, 0.9) / z))
  return { items, categories: [...FASHION.categories], tags }
}
