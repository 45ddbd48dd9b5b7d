import { definePolicy, type Policy } from '../../src/core/index.ts'
import { consumedSnapshot, excludedFor, recordConsumed, type Consumed, type ConsumedSnapshot } from './consumed.ts'

export interface PopularityState {
  /** Prior popularity (from the catalog) plus clicks observed so far. */
  score: Float64Array
  /** Pseudo-count weight of the prior. */
  priorWeight: number
  consumed: Consumed
}

export interface PopularitySnapshot {
  /** Item ids, most popular first. */
  order: Int32Array
  consumed: ConsumedSnapshot
}

/** Walks a ranked list, skipping history, until k items. */
export function takeRanked(order: ArrayLike<number>, history: readonly number[], k: number): number[] {
  const out: number[] = []
  const skip = history.length > 16 ? new Set(history) : undefined
  for (let i = 0; i < order.length && out.length < k; i++) {
    const id = order[i]!
    if (!(skip ? skip.has(id) : history.includes(id))) out.push(id)
  }
  return out
}

export function rankByScore(score: ArrayLike<number>): Int32Array {
  const order = Int32Array.from({ length: score.length }, (_, i) => i)
  return order.sort((a, b) => score[b]! - score[a]! || a - b)
}

/**
 * Most-popular: ranks by observed clicks, seeded with the catalog's prior popularity
 * so round 0 is not random.
 */
export function popularityPolicy(options: { priorClicks?: number } = {}): Policy<PopularityState, PopularitySnapshot> {
  return definePolicy({
    name: 'popularity',
    init: (ctx) => {
      const priorWeight = options.priorClicks ?? ctx.agents * 0.5
      return { score: Float64Array.from(ctx.catalog.items, (it) => it.popularity * priorWeight), priorWeight, consumed: new Map() }
    },
    snapshot: (s) => ({ order: rankByScore(s.score), consumed: consumedSnapshot(s.consumed) }),
    recommend: (snap, user, k) => takeRanked(snap.order, excludedFor(snap.consumed, user.id, user.history), k),
    learn: (s, feedback) => {
      const score = Float64Array.from(s.score)
      for (const it of feedback.interactions) for (const c of it.clicks) score[c]! += 1
      return { ...s, score, consumed: recordConsumed(s.consumed, feedback) }
    },
  })
}
