import { z } from 'zod'
import type { Catalog } from '../../../src/core/index.ts'
import { stem } from '../recbot/text-similarity.ts'

/** What the CRS has understood of the user's wishes so far. */
export const crsConstraints = z.object({
  category: z.string().optional(),
  tags: z.array(z.string()),
  notTags: z.array(z.string()),
  maxPrice: z.number().optional(),
})
export type CrsConstraints = z.infer<typeof crsConstraints>

export const dialogueTurn = z.object({ role: z.enum(['user', 'system']), text: z.string() })
export type DialogueTurn = z.infer<typeof dialogueTurn>

/** Which slot a question is about, as a listener hears it. */
export function questionSlot(text: string): 'category' | 'tags' | 'price' | 'other' {
  const t = text.toLowerCase()
  if (/genre|kind of|type of/.test(t)) return 'category'
  if (/mood|feel|style|tone/.test(t)) return 'tags'
  if (/budget|price|spend|under/.test(t)) return 'price'
  return 'other'
}

const NEG = /\b(not|no|nothing|without|too|less|avoid|hate|don'?t)\b/

const wordIn = (text: string, w: string) => new RegExp(`(^|[^a-z])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(s|es)?([^a-z]|$)`).test(text)

/**
 * The CRS's state tracker (deterministic): reads categories, tags (negated in a clause
 * with "not", "too", …) and "under $X" from the user's latest words into the constraints.
 */
export function trackConstraints(prev: CrsConstraints, utterance: string, catalog: Catalog): CrsConstraints {
  const next: CrsConstraints = { ...prev, tags: [...prev.tags], notTags: [...prev.notTags] }
  const text = utterance.toLowerCase()
  for (const clause of text.split(/[,.;!?]| but /)) {
    const negative = NEG.test(clause)
    for (const c of catalog.categories) if (wordIn(clause, c) || wordIn(clause, stem(c))) {
      if (!negative) next.category = c
    }
    for (const t of catalog.tags) {
      if (!wordIn(clause, t)) continue
      if (negative) {
        next.tags = next.tags.filter((x) => x !== t)
        if (!next.notTags.includes(t)) next.notTags.push(t)
      } else {
        next.notTags = next.notTags.filter((x) => x !== t)
        if (!next.tags.includes(t)) next.tags.push(t)
      }
    }
    const m = /(?:under|below|less than|at most|max)\s*\$?(\d+(?:\.\d+)?)/.exec(clause)
    if (m) next.maxPrice = Number(m[1])
  }
  return next
}

/**
 * The search tool: ranks items by constraint fit (category, wanted tags, no unwanted
 * tags, price) and then popularity; never returns excluded ids.
 */
export function retrieve(catalog: Catalog, c: CrsConstraints, k: number, exclude: ReadonlySet<number>): number[] {
  const scored: { i: number; s: number }[] = []
  for (const it of catalog.items) {
    if (exclude.has(it.id)) continue
    let s = 0
    if (c.category) s += it.category === c.category ? 3 : -3
    for (const t of c.tags) if (it.tags.includes(t)) s += 1.5
    for (const t of c.notTags) if (it.tags.includes(t)) s -= 3
    if (c.maxPrice !== undefined && it.price > c.maxPrice) s -= 2
    s += 0.3 * Math.log10(1 + it.popularity * 1e4)
    scored.push({ i: it.id, s })
  }
  scored.sort((a, b) => b.s - a.s || a.i - b.i)
  return scored.slice(0, k).map((x) => x.i)
}
