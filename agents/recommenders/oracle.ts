import { definePolicy, topK, type Policy } from '../../src/core/index.ts'
import { consumedSnapshot, excludedFor, recordConsumed, type Consumed, type ConsumedSnapshot } from './consumed.ts'

/**
 * Ranks by the users' hidden true utilities: an upper bound, not a real policy.
 * Metrics of other policies can be read against it (NDCG is already normalised by it).
 */
export function oraclePolicy(): Policy<{ consumed: Consumed }, { consumed: ConsumedSnapshot }> {
  return definePolicy({
    name: 'oracle',
    init: () => ({ consumed: new Map() }),
    snapshot: (s) => ({ consumed: consumedSnapshot(s.consumed) }),
    recommend: (snap, user, k, _rng, ctx) => {
      const n = ctx.catalog.items.length
      const scores = new Float32Array(n)
      for (let i = 0; i < n; i++) scores[i] = ctx.truth.utility(user.id, i)
      return topK(scores, k, excludedFor(snap.consumed, user.id, user.history))
    },
    learn: (s, feedback) => ({ consumed: recordConsumed(s.consumed, feedback) }),
  })
}
