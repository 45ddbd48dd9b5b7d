import { z } from 'zod'
import type { Item } from '../../../src/core/index.ts'
import { facetValue } from './facets.ts'

export const hardOps = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'nin'] as const

/** A checkable constraint, e.g. `{ attr: 'price', op: 'lte', value: 240 }`. */
export const hardConstraint = z.object({
  attr: z.string().min(1),
  op: z.enum(hardOps),
  value: z.union([z.string(), z.number(), z.array(z.string())]),
})
export type HardConstraint = z.infer<typeof hardConstraint>

/** A semantic preference, e.g. `{ text: 'romantic', weight: 0.8 }`. */
export const softPreference = z.object({ text: z.string().min(1), weight: z.number().min(0).max(1) })
export type SoftPreference = z.infer<typeof softPreference>

const cell = z.object({ hard: z.array(hardConstraint), soft: z.array(softPreference) })

/** RecBot's preference memory P = {P⁺, P⁻}, each with hard and soft parts. */
export const preferences = z.object({ positive: cell, negative: cell })
export type Preferences = z.infer<typeof preferences>

export const emptyPreferences = (): Preferences => ({ positive: { hard: [], soft: [] }, negative: { hard: [], soft: [] } })

export function isEmpty(p: Preferences): boolean {
  return !p.positive.hard.length && !p.positive.soft.length && !p.negative.hard.length && !p.negative.soft.length
}

/** Does the item satisfy one constraint. A missing attribute never satisfies. */
export function satisfies(item: Item, c: HardConstraint): boolean {
  const v = facetValue(item, c.attr)
  if (v === undefined) return c.op === 'neq' || c.op === 'nin'
  switch (c.op) {
    case 'eq':
      return v === c.value
    case 'neq':
      return v !== c.value
    case 'in':
      return Array.isArray(c.value) && c.value.includes(String(v))
    case 'nin':
      return !Array.isArray(c.value) || !c.value.includes(String(v))
    default: {
      const x = Number(v)
      const y = Number(c.value)
      if (Number.isNaN(x) || Number.isNaN(y)) return false
      return c.op === 'lt' ? x < y : c.op === 'lte' ? x <= y : c.op === 'gt' ? x > y : x >= y
    }
  }
}

/** The Filter rule: every positive hard constraint holds and no negative one does. */
export function meetsHard(item: Item, p: Preferences): boolean {
  for (const c of p.positive.hard) if (!satisfies(item, c)) return false
  for (const c of p.negative.hard) if (satisfies(item, c)) return false
  return true
}

/** Human-readable one-liner (for prompts and logs). */
export function describeHard(c: HardConstraint): string {
  return `${c.attr} ${c.op} ${Array.isArray(c.value) ? c.value.join('|') : c.value}`
}
