import { gini } from '../metrics/index.ts'

/** Exposure across the catalog, reduced to what a chart needs (a few hundred points at most). */
export interface LongTail {
  items: number
  /** Items shown at least once. */
  itemsShown: number
  impressions: number
  /** Share of all impressions that went to the most shown 1% of items (at least one item). */
  top1PctShare: number
  /** Share of impressions going to the most shown 10% of items. */
  top10PctShare: number
  gini: number
  /**
   * Impressions by popularity rank (0 = most shown), downsampled: `[rank, impressions]`,
   * first and last rank always kept. The curve is monotone, so dropping points loses little.
   */
  curve: Array<[number, number]>
  /** Cumulative share of impressions against the share of items (the Lorenz curve, rank order), downsampled. */
  cumulative: Array<[number, number]>
  /** The most shown items: id, impressions, clicks. */
  top: Array<{ item: number; impressions: number; clicks: number }>
}

/** Ranks to keep: all of the head, then log-spaced ranks through the tail (a long tail is mostly flat). */
export function sampleRanks(n: number, maxPoints: number): number[] {
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i)
  const head = Math.floor(maxPoints / 4)
  const ranks = new Set<number>()
  for (let i = 0; i < head; i++) ranks.add(i)
  const rest = maxPoints - head
  const lo = Math.log(head)
  const hi = Math.log(n - 1)
  for (let k = 0; k < rest; k++) ranks.add(Math.round(Math.exp(lo + ((hi - lo) * k) / (rest - 1))))
  ranks.add(n - 1)
  return [...ranks].sort((a, b) => a - b)
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4

/**
 * Summarizes per-item impressions (and clicks) into the long-tail curve the report draws.
 *
 * @example
 * const tail = longTail(counts.impressions, counts.clicks, { maxPoints: 200, top: 10 })
 */
export function longTail(impressions: Float64Array, clicks: Float64Array, opts: { maxPoints?: number; top?: number } = {}): LongTail {
  const maxPoints = opts.maxPoints ?? 200
  const n = impressions.length
  const order = Array.from({ length: n }, (_, i) => i)
  // Ties broken by item id so that the same data always gives the same curve and top list.
  order.sort((a, b) => impressions[b]! - impressions[a]! || a - b)
  let total = 0
  let shown = 0
  for (const v of impressions) {
    total += v
    if (v > 0) shown++
  }
  const shareOfTop = (frac: number) => {
    const k = Math.max(1, Math.round(n * frac))
    let s = 0
    for (let i = 0; i < Math.min(k, n); i++) s += impressions[order[i]!]!
    return total > 0 ? r4(s / total) : 0
  }
  const ranks = sampleRanks(n, maxPoints)
  const curve: Array<[number, number]> = ranks.map((r) => [r, impressions[order[r]!]!])
  const cumulative: Array<[number, number]> = [[0, 0]]
  if (n > 0) {
    const cumAt = new Float64Array(n)
    let c = 0
    for (let i = 0; i < n; i++) {
      c += impressions[order[i]!]!
      cumAt[i] = c
    }
    for (const r of ranks) cumulative.push([r4((r + 1) / n), total > 0 ? r4(cumAt[r]! / total) : 0])
  }
  return {
    items: n,
    itemsShown: shown,
    impressions: total,
    top1PctShare: shareOfTop(0.01),
    top10PctShare: shareOfTop(0.1),
    gini: r4(gini(impressions)),
    curve,
    cumulative,
    top: order.slice(0, Math.min(opts.top ?? 10, n)).filter((i) => impressions[i]! > 0).map((i) => ({ item: i, impressions: impressions[i]!, clicks: clicks[i] ?? 0 })),
  }
}
