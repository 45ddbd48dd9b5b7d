/**
 * Readable English for an item: "a bleak, funny comedy", "an action-packed horror title".
 * Catalog categories are genre words; some are nouns ("a comedy"), others only
 * adjectives ("horror", "sci-fi", "music"), which need a noun after them.
 */
const NOUN_CATEGORIES = new Set([
  'drama', 'comedy', 'thriller', 'documentary', 'romance', 'adventure', 'western', 'mystery', 'musical', 'biography',
  'skirt', 'dress', 'coat', 'sweater', 'jeans', 'shirt', 'book', 'novel', 'game', 'podcast', 'album', 'film', 'movie', 'show', 'series',
])

/** The category as a noun phrase head: "comedy", "horror title". */
export function categoryNoun(category: string): string {
  const c = category.trim()
  return NOUN_CATEGORIES.has(c.toLowerCase()) ? c : `${c} title`
}

/** A tag as an adjective: structured `attr:value` tags become their value. */
export function tagAdjective(tag: string): string {
  const i = tag.indexOf(':')
  return (i >= 0 ? tag.slice(i + 1) : tag).trim()
}

/** "a", "b and c", "a, b and c". */
export function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? ''
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`
}

/** "a" or "an" by the first sound of the next word (good enough for catalog words). */
export function article(word: string): 'a' | 'an' {
  return /^[aeiou]/i.test(word) && !/^(u[bcfhjkqrstn][aeiou]|uni|eu|one)/i.test(word) ? 'an' : 'a'
}

export function formatPrice(price: number): string {
  return Number.isInteger(price) ? `$${price}` : `$${price.toFixed(2)}`
}

/** "a bleak and funny comedy" (with the article), from the item's tags and category. */
export function itemPhrase(item: { category: string; tags: readonly string[] }): string {
  const adjectives = item.tags.map(tagAdjective).filter((t) => t.length > 0)
  const phrase = [joinWords(adjectives), categoryNoun(item.category)].filter(Boolean).join(' ')
  return `${article(phrase)} ${phrase}`
}
