import { z } from 'zod'
import type { Catalog, Item, Persona } from './types.ts'

/**
 * The checkable shapes of what a scenario's `catalog` and `persona` build. A NaN or a
 * missing field would otherwise surface far away (a NOT NULL constraint in SQLite, a
 * property read of undefined in the hot path); checked where they are built, the error
 * names the item or persona and the field.
 */
// zod 4's number() refuses NaN and ±Infinity.
const finite = z.number()
const unit = z.number().min(0).max(1)
const tagWeight = z.object({ tag: z.string(), weight: finite })

export const personaSchema = z.looseObject({
  id: z.number().int().nonnegative(),
  name: z.string(),
  activityType: z.enum(['efficiency', 'detail', 'exploration']),
  likes: z.array(tagWeight),
  dislikes: z.array(tagWeight),
  hardDislikes: z.array(z.string()),
  favouriteCategories: z.array(z.string()),
  linguistic: z.object({
    informationDensity: z.enum(['low', 'medium', 'high']),
    expressionStyle: z.enum(['direct', 'descriptive', 'questioning']),
    tone: z.enum(['friendly', 'neutral', 'blunt']),
  }),
  expectation: unit,
  patience: unit,
  fatigueRate: z.number().min(0),
  traits: z.object({ activity: unit, conformity: unit, diversity: unit }),
  rating: z.object({ mean: finite, spread: z.number().min(0) }),
  hidden: z.looseObject({
    taste: z.array(finite),
    qualityWeight: finite,
    priceWeight: finite,
    target: z.unknown().optional(),
  }),
})

export const itemSchema = z.looseObject({
  id: z.number().int().nonnegative(),
  title: z.string(),
  description: z.string(),
  category: z.string(),
  tags: z.array(z.string()),
  price: finite,
  quality: unit,
  popularity: unit,
  year: finite.optional(),
  vector: z.array(finite).min(1),
})

/** Where a zod issue points, as `field.sub[2]`. */
function fieldOf(issue: z.core.$ZodIssue): string {
  return issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || '(the value itself)'
}

/** The first few issues of a failed parse, one per line, each naming its field. */
export function describeIssues(error: z.ZodError, max = 3): string {
  const lines = error.issues.slice(0, max).map((i) => `  ${fieldOf(i)}: ${i.message}`)
  if (error.issues.length > max) lines.push(`  … and ${error.issues.length - max} more`)
  return lines.join('\n')
}

/** Checks one persona; returns what is wrong with it, or null. `dim` is the catalog's latent dimension. */
export function personaProblem(p: unknown, id: number, dim: number): string | null {
  if (!looksLikePersona(p)) {
    const parsed = personaSchema.safeParse(p)
    if (!parsed.success) return describeIssues(parsed.error)
  }
  const persona = p as Persona
  if (persona.id !== id) return `  id: is ${persona.id}; persona(${id}) must return id ${id}`
  if (persona.hidden.taste.length !== dim) return `  hidden.taste: has ${persona.hidden.taste.length} numbers; the catalog's item vectors have ${dim}`
  return null
}

/** Checks a catalog; returns what is wrong with it (naming the item), or null. */
export function catalogProblem(c: unknown): string | null {
  const shape = z.object({ items: z.array(z.unknown()).min(1, 'the catalog has no items'), categories: z.array(z.string()), tags: z.array(z.string()) }).safeParse(c)
  if (!shape.success) return describeIssues(shape.error)
  const catalog = c as Catalog
  let dim = -1
  for (let i = 0; i < catalog.items.length; i++) {
    const item = catalog.items[i]
    if (!looksLikeItem(item)) {
      const parsed = itemSchema.safeParse(item)
      if (!parsed.success) return `item ${i}${titleOf(item)}:\n${describeIssues(parsed.error)}`
    }
    const it = item as Item
    if (it.id !== i) return `item ${i}${titleOf(item)}:\n  id: is ${it.id}; an item's id must be its index in catalog.items (${i})`
    if (dim < 0) dim = it.vector.length
    else if (it.vector.length !== dim) return `item ${i}${titleOf(item)}:\n  vector: has ${it.vector.length} numbers; item 0's has ${dim}`
  }
  return null
}

function titleOf(item: unknown): string {
  const t = (item as { title?: unknown } | null)?.title
  return typeof t === 'string' ? ` ("${t.slice(0, 60)}")` : ''
}

// The schemas above are the rules and give the messages. Running them on every item of a
// million-item catalog and every persona costs seconds, so these checks, at least as strict,
// let the common valid case through and send anything doubtful to zod (test/unit/world-schemas).
const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x)
const inUnit = (x: unknown) => num(x) && x >= 0 && x <= 1
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)
const strings = (x: unknown) => Array.isArray(x) && x.every((s) => typeof s === 'string')
const numbers = (x: unknown) => Array.isArray(x) && x.every(num)
const weights = (x: unknown) => Array.isArray(x) && x.every((w) => isObj(w) && typeof w.tag === 'string' && num(w.weight))
const oneOf = (x: unknown, options: readonly string[]) => typeof x === 'string' && options.includes(x)

function looksLikeItem(x: unknown): boolean {
  if (!isObj(x)) return false
  const v = x.vector
  return (
    Number.isInteger(x.id) && (x.id as number) >= 0 && typeof x.title === 'string' && typeof x.description === 'string' &&
    typeof x.category === 'string' && strings(x.tags) && num(x.price) && inUnit(x.quality) && inUnit(x.popularity) &&
    (x.year === undefined || num(x.year)) && numbers(v) && (v as number[]).length >= 1
  )
}

function looksLikePersona(x: unknown): boolean {
  if (!isObj(x)) return false
  const { linguistic: l, traits: t, rating: r, hidden: h } = x
  return (
    Number.isInteger(x.id) && (x.id as number) >= 0 && typeof x.name === 'string' &&
    oneOf(x.activityType, ['efficiency', 'detail', 'exploration']) && weights(x.likes) && weights(x.dislikes) &&
    strings(x.hardDislikes) && strings(x.favouriteCategories) &&
    isObj(l) && oneOf(l.informationDensity, ['low', 'medium', 'high']) && oneOf(l.expressionStyle, ['direct', 'descriptive', 'questioning']) && oneOf(l.tone, ['friendly', 'neutral', 'blunt']) &&
    inUnit(x.expectation) && inUnit(x.patience) && num(x.fatigueRate) && x.fatigueRate >= 0 &&
    isObj(t) && inUnit(t.activity) && inUnit(t.conformity) && inUnit(t.diversity) &&
    isObj(r) && num(r.mean) && num(r.spread) && r.spread >= 0 &&
    isObj(h) && numbers(h.taste) && num(h.qualityWeight) && num(h.priceWeight)
  )
}
