import { definePolicy, topK, type Policy } from '../../src/core/index.ts'

/**
 * Ranks by the users' hidden true utilities: an upper bound, not a real policy.
 * Metrics of other policies can be read against it (NDCG is already normalised by it).
 */
export function oraclePolicy(): Policy<null, null> {
  return definePolicy({
    name: 'oracle',
    init: () => null,
    snapshot: () => null,
    recommend: (_snap, user, k, _rng, ctx) => {
      const n = ctx.catalog.items.length
      const scores = new Float32Array(n)
      for (let i = 0; i < n; i++) scores[i] = ctx.truth.utility(user.id, i)
      return topK(scores, k, user.history)
    },
    learn: (s) => s,
  })
}
