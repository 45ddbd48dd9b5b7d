import type { Catalog } from '../../../src/core/index.ts'

/** One attribute of a compressed behaviour history, with its recency-weighted count. */
export interface HistoryAttribute {
  attribute: string
  weight: number
}

/**
 * RecGPT §2.1.1 compresses a long behaviour sequence before interest mining; here the
 * sequence is short, so it is compressed by attribute: each item's category and tags
 * count, newer items more (a half-life of `halfLife` items). Strongest first, at most `max`.
 */
export function summarizeHistory(history: readonly number[], catalog: Catalog, opts: { halfLife?: number; max?: number } = {}): HistoryAttribute[] {
  const decay = Math.pow(0.5, 1 / (opts.halfLife ?? 8))
  const weights = new Map<string, number>()
  let w = 1
  for (let i = history.length - 1; i >= 0; i--, w *= decay) {
    const it = catalog.items[history[i]!]
    if (!it) continue
    for (const a of [it.category, ...it.tags]) {
      const k = a.toLowerCase()
      weights.set(k, (weights.get(k) ?? 0) + w)
    }
  }
  return [...weights.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, opts.max ?? 20)
    .map(([attribute, weight]) => ({ attribute, weight: Math.round(weight * 100) / 100 }))
}
