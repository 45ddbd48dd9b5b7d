import type { Catalog, Item } from '../../../src/core/index.ts'

/**
 * A catalog's attribute schema. Structured attributes travel as `attr:value` tags
 * (`length:long`, `color:light blue`); `category`, `price` and `year` are item fields.
 * Plain tags (no colon) are soft, semantic descriptors. Any catalog written this way
 * works with RecBot's parser, tools and the feed-commander user.
 */
export interface FacetSchema {
  /** attr → its values, e.g. `color → ['light blue', 'navy', …]`. */
  attrs: Map<string, string[]>
  categories: string[]
  /** Plain (soft) tags. */
  softTags: string[]
}

const schemas = new WeakMap<Catalog, FacetSchema>()

export function facetSchema(catalog: Catalog): FacetSchema {
  let s = schemas.get(catalog)
  if (s) return s
  const attrs = new Map<string, string[]>()
  const softTags: string[] = []
  for (const t of catalog.tags) {
    const i = t.indexOf(':')
    if (i < 0) {
      softTags.push(t)
      continue
    }
    const attr = t.slice(0, i)
    const list = attrs.get(attr) ?? []
    list.push(t.slice(i + 1))
    attrs.set(attr, list)
  }
  s = { attrs, categories: [...catalog.categories], softTags }
  schemas.set(catalog, s)
  return s
}

/** The value of an attribute on an item (`category`, `price`, `year` or an `attr:value` tag). */
export function facetValue(item: Item, attr: string): string | number | undefined {
  if (attr === 'category') return item.category
  if (attr === 'price') return item.price
  if (attr === 'year') return item.year
  let attrs = attrCache.get(item)
  if (!attrs) {
    attrs = new Map()
    for (const t of item.tags) {
      const i = t.indexOf(':')
      if (i > 0) attrs.set(t.slice(0, i), t.slice(i + 1))
    }
    attrCache.set(item, attrs)
  }
  return attrs.get(attr)
}

// Filters check the same items every round: parse their `attr:value` tags once.
const attrCache = new WeakMap<Item, Map<string, string>>()

/** Soft descriptors of an item: its plain tags. */
export function softTags(item: Item): string[] {
  return item.tags.filter((t) => !t.includes(':'))
}
