import type { Catalog, Item } from '../../src/core/index.ts'

/**
 * What an explanation claims about an item: the catalog attributes (tags and categories) it
 * names. Claims are what can be checked — against the item (factuality) and against the user
 * (relevance) — so both the simulated user and the judge read explanations through this.
 */
export interface ClaimVocabulary {
  /** Lower-case single-word attributes. */
  words: ReadonlySet<string>
  /** Lower-case attributes of several words (matched as substrings). */
  phrases: readonly string[]
}

const vocabularies = new WeakMap<Catalog, ClaimVocabulary>()

/** The catalog's attribute vocabulary (built once per catalog and thread). */
export function claimVocabulary(catalog: Catalog): ClaimVocabulary {
  let v = vocabularies.get(catalog)
  if (!v) {
    const words = new Set<string>()
    const phrases: string[] = []
    for (const a of [...catalog.tags, ...catalog.categories]) {
      const t = a.toLowerCase()
      if (/^[\p{L}\p{N}-]+$/u.test(t)) words.add(t)
      else phrases.push(t)
    }
    v = { words, phrases }
    vocabularies.set(catalog, v)
  }
  return v
}

/** Lower-case word tokens of a text (letters, digits and hyphens). */
export function tokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}-]+/gu) ?? []
}

/** The distinct attributes a text names, in order of first mention. */
export function claimsOf(text: string, vocab: ClaimVocabulary): string[] {
  const out: string[] = []
  const seen = new Set<string>()
  for (const t of tokens(text)) {
    if (vocab.words.has(t) && !seen.has(t)) {
      seen.add(t)
      out.push(t)
    }
  }
  const lower = text.toLowerCase()
  for (const p of vocab.phrases) if (!seen.has(p) && lower.includes(p)) (seen.add(p), out.push(p))
  return out
}

/** An item's true attributes, lower-case: its tags and its category. */
export function attributesOf(item: Pick<Item, 'tags' | 'category'>): Set<string> {
  return new Set([item.category.toLowerCase(), ...item.tags.map((t) => t.toLowerCase())])
}

/** The claims that do not hold for the item. */
export function falseClaims(claims: readonly string[], item: Pick<Item, 'tags' | 'category'>): string[] {
  const attrs = attributesOf(item)
  return claims.filter((c) => !attrs.has(c))
}
