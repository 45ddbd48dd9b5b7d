import { z } from 'zod'
import { crsTurnOutput, type CrsTurnInput, type CrsTurnOutput } from './tasks/crs-turn.ts'
import { questionSlot } from './dialogue-state.ts'

/** The CRS prompt's rules, as checks any turn can be held to (an exported pair's both sides). */
export const CRS_RULES = {
  'invalid-json': 'the turn is not JSON matching the action schema {action, slot?, item?, text}',
  'reasks-known-slot': 'asks about a slot the user already gave (genre, mood or budget)',
  'item-not-in-results': 'recommends an item that is not among the search results, or one already rejected',
  'title-not-named': 'a recommendation that does not name its item by its full title',
  'title-leaked': 'names a search result it is not recommending',
  'no-way-forward': 'a reply with neither a question nor a recommendation',
} as const
export type CrsRule = keyof typeof CRS_RULES
export const crsRule = z.enum(Object.keys(CRS_RULES) as [CrsRule, ...CrsRule[]])

/** Parses a turn as the CRS would emit it: a value or JSON text. */
export function parseCrsTurn(raw: unknown): CrsTurnOutput | undefined {
  let v = raw
  if (typeof raw === 'string') {
    try {
      v = JSON.parse(raw)
    } catch {
      return undefined
    }
  }
  const r = crsTurnOutput.safeParse(v)
  return r.success ? r.data : undefined
}

const knows = (i: CrsTurnInput, slot: string) =>
  (slot === 'category' && i.constraints.category !== undefined) || (slot === 'tags' && i.constraints.tags.length > 0) || (slot === 'price' && i.constraints.maxPrice !== undefined)

/** The rules a turn breaks in its context (empty: it keeps them all). */
export function crsRuleViolations(i: CrsTurnInput, raw: unknown): CrsRule[] {
  const t = parseCrsTurn(raw)
  if (!t) return ['invalid-json']
  const out: CrsRule[] = []
  const text = t.text.toLowerCase()
  if (t.action === 'ask') {
    // The slot the user hears in the question counts as much as the declared one.
    const heard = questionSlot(t.text)
    if ((t.slot && knows(i, t.slot)) || (heard !== 'other' && knows(i, heard))) out.push('reasks-known-slot')
  }
  const item = t.action === 'recommend' ? i.candidates.find((c) => c.id === t.item) : undefined
  if (t.action === 'recommend') {
    if (!item || i.rejected.includes(item.title)) out.push('item-not-in-results')
    else if (!text.includes(item.title.toLowerCase())) out.push('title-not-named')
  }
  // A title that is part of the recommended one ("Harbor" in "Silent Harbor") is not a leak.
  const rest = item ? text.split(item.title.toLowerCase()).join(' ') : text
  if (i.candidates.some((c) => c.id !== item?.id && rest.includes(c.title.toLowerCase()))) out.push('title-leaked')
  if (t.action === 'respond' && !t.text.includes('?')) out.push('no-way-forward')
  return out
}
