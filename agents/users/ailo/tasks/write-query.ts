import { z } from 'zod'
import { defineTask, type Rng } from '../../../../src/core/index.ts'
import { personaBrief, personaText } from './persona-text.ts'

/** What a searching user wants: a product in a category, with attributes, perhaps of a brand. */
export const searchNeed = z.object({
  category: z.string(),
  product: z.string(),
  attributes: z.array(z.string()),
  brand: z.string().nullable(),
})
export type SearchNeed = z.infer<typeof searchNeed>

export const writeQueryInput = z.object({
  persona: personaBrief,
  need: searchNeed,
  /** The query that gave a bad page, when this one rewrites it. */
  previous: z.string().nullable(),
  /** How this user writes queries: a few words or many, led by the brand, an attribute or the product; this time vague (the category only). */
  style: z.object({ length: z.enum(['short', 'long']), lead: z.enum(['brand', 'attribute', 'product']), vague: z.boolean() }),
  /** Simulator-only draw, never shown in a prompt (a model makes its own typos): this query has a typo. */
  hidden: z.object({ misspell: z.boolean() }),
})
export type WriteQueryInput = z.infer<typeof writeQueryInput>

export const writeQueryOutput = z.object({ query: z.string().min(1).max(120).describe('the search query, as typed') })
export type WriteQueryOutput = z.infer<typeof writeQueryOutput>

/** A typo: two neighbouring letters swapped, or one dropped, in a word of four letters or more. */
export function misspell(query: string, rng: Rng): string {
  const words = query.split(' ')
  const long = words.map((w, i) => (w.length >= 4 ? i : -1)).filter((i) => i >= 0)
  if (!long.length) return query
  const i = rng.pick(long)
  const w = words[i]!
  const at = 1 + rng.int(w.length - 2)
  words[i] = rng.next() < 0.5 ? w.slice(0, at) + w[at + 1] + w[at] + w.slice(at + 2) : w.slice(0, at) + w.slice(at + 1)
  return words.join(' ')
}

/**
 * The surrogate: the query from the need's words, in the user's style. Vague queries name
 * only the category; short ones two or three words led by the brand, an attribute or the
 * product; long ones everything. A rewrite after a bad page drops the brand and changes the
 * attribute (or, after a vague query, says what is wanted); typos are made on request.
 */
export function surrogateWriteQuery(input: WriteQueryInput, rng: Rng): WriteQueryOutput {
  const { need, style, previous } = input
  const attrs = need.attributes
  let words: string[]
  if (previous !== null) {
    const wasVague = previous.trim().toLowerCase() === need.category
    const attr = attrs.length > 1 ? attrs[1 + rng.int(attrs.length - 1)]! : attrs[0]
    words = wasVague ? [attrs[0] ?? '', need.product] : rng.next() < 0.5 ? [need.product] : [attr ?? '', need.product]
  } else if (style.vague) {
    words = [need.category]
  } else if (style.length === 'short') {
    const lead = style.lead === 'brand' && need.brand ? need.brand : style.lead === 'attribute' ? (attrs[0] ?? '') : ''
    words = [lead, need.product]
  } else {
    words = [...attrs, need.product, need.brand ? `by ${need.brand}` : '']
    if (input.persona.expressionStyle === 'questioning') words.unshift('best')
  }
  let query = words.filter(Boolean).join(' ').toLowerCase()
  if (input.hidden.misspell) query = misspell(query, rng)
  return { query }
}

export const writeQuery = defineTask({
  name: 'write-query',
  version: 1,
  input: writeQueryInput,
  output: writeQueryOutput,
  prompt: (i) => [
    {
      role: 'system',
      content:
        'You simulate one shopper typing into a shop\'s search box. Write the query you would type for what you want, ' +
        'in your own style: a few words or many, naming the brand, an attribute or just the product; real people are ' +
        'sometimes vague and make typos. Answer with JSON only.',
    },
    { role: 'system', content: personaText(i.persona) },
    {
      role: 'user',
      content:
        `You want: a ${i.need.attributes.join(', ')} ${i.need.product} (${i.need.category})${i.need.brand ? `, ideally by ${i.need.brand}` : ''}.\n` +
        `You usually write ${i.style.length} queries, led by the ${i.style.lead}.` +
        (i.style.vague ? ' This time you only type the category.' : '') +
        (i.previous !== null ? `\nYour last query "${i.previous}" found nothing you wanted: rewrite it.` : ''),
    },
  ],
  surrogate: surrogateWriteQuery,
})
