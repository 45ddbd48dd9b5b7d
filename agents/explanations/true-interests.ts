import { compilePersona, indexCatalog, trueUtility, type Catalog, type Persona } from '../../src/core/index.ts'

/**
 * How much a user truly values items with each attribute (tag or category) above their
 * average item: mean true utility of the attribute's items minus the catalog mean. Only
 * attributes carried by at least 3 items. From the hidden utility only.
 */
export function attributeLift(persona: Persona, catalog: Catalog): Map<string, number> {
  const idx = indexCatalog(catalog)
  const cp = compilePersona(persona, idx)
  const sum = new Map<string, number>()
  const count = new Map<string, number>()
  let total = 0
  for (const it of catalog.items) {
    const u = trueUtility(cp, idx, it.id)
    total += u
    for (const a of new Set([it.category, ...it.tags].map((x) => x.toLowerCase()))) {
      sum.set(a, (sum.get(a) ?? 0) + u)
      count.set(a, (count.get(a) ?? 0) + 1)
    }
  }
  const mean = total / Math.max(1, catalog.items.length)
  const lift = new Map<string, number>()
  for (const [a, s] of sum) if (count.get(a)! >= 3) lift.set(a, s / count.get(a)! - mean)
  return lift
}

/**
 * A user's true interests: the attributes whose lift is at least `margin`, best first, at
 * most `max`. What a recommender infers about a user is checked against these.
 */
export function trueInterests(persona: Persona, catalog: Catalog, opts: { max?: number; margin?: number; lift?: Map<string, number> } = {}): string[] {
  const lift = opts.lift ?? attributeLift(persona, catalog)
  const margin = opts.margin ?? 0.15
  return [...lift.entries()]
    .filter(([, l]) => l >= margin)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, opts.max ?? 8)
    .map(([a]) => a)
}
