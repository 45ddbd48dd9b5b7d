import type { Catalog, Item } from '../../../src/core/index.ts'

/** Words that carry no preference. */
export const STOPWORDS = new Set(
  'a an the and or but of in on at to for with me my i i\'m im it its it\'s is are was be this these those that some something show give want would like please ones one more less very really just now also any kind thing things something maybe'.split(
    ' ',
  ),
)

/**
 * A small synonym map so the semantic score reaches beyond exact words (an embedding
 * model's job on a real deployment; deterministic here).
 */
const SYNONYMS: Record<string, string[]> = {
  autumn: ['warm', 'cozy'],
  fall: ['warm', 'cozy'],
  winter: ['warm', 'cozy'],
  cozy: ['warm'],
  summer: ['light', 'airy'],
  airy: ['light'],
  date: ['romantic', 'elegant'],
  office: ['minimalist', 'elegant'],
  work: ['minimalist', 'elegant'],
  party: ['elegant', 'bold'],
  gym: ['sporty'],
  retro: ['vintage'],
  simple: ['minimalist'],
  comfy: ['casual', 'warm'],
}

/** A plural-folding stem, so "skirts" finds "skirt" and "dresses" finds "dress". */
export function stem(w: string): string {
  if (w.length > 4 && /(ss|x|ch|sh)es$/.test(w)) return w.slice(0, -2)
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1)
  return w
}

export function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9-]+/)
    .filter((w) => w && !STOPWORDS.has(w))
    .map(stem)
}

/** Query words plus their synonyms. */
export function expand(text: string): Set<string> {
  const out = new Set<string>()
  for (const w of tokens(text)) {
    out.add(w)
    for (const s of SYNONYMS[w] ?? []) out.add(s)
  }
  return out
}

const itemTokenCache = new WeakMap<Catalog, Set<string>[]>()

/** Each item's words: title, description and tag values. */
export function itemTokens(catalog: Catalog): Set<string>[] {
  let t = itemTokenCache.get(catalog)
  if (!t) {
    t = catalog.items.map((it: Item) => new Set(tokens(`${it.title} ${it.description} ${it.category} ${it.tags.map((x) => x.replace(/^[a-z]+:/, '')).join(' ')}`)))
    itemTokenCache.set(catalog, t)
  }
  return t
}

/** Share of the query's words (with synonyms, at most one hit per original word) the item has, in [0, 1]. */
export function semanticSimilarity(itemWords: ReadonlySet<string>, query: string | readonly string[]): number {
  const words = typeof query === 'string' ? tokens(query) : query
  if (!words.length) return 0
  let hit = 0
  for (const w of words) {
    if (itemWords.has(w) || (SYNONYMS[w] ?? []).some((s) => itemWords.has(s))) hit++
  }
  return hit / words.length
}
