import { definePolicy, type Policy } from '../../../src/core/index.ts'
import { bprPolicy, type BprOptions, type BprSnapshot, type BprState } from '../bpr.ts'
import { bm25Index, bm25Scores, matching, resultPage } from './bm25.ts'

export interface Bm25BprOptions extends BprOptions {
  /** Candidates re-ranked per query: the best BM25 matches. */
  candidates?: number
  /** Weight of the BPR score (standardised over the candidates) beside BM25 (scaled to [0, 1]). */
  personal?: number
  /** Weight of the query's preference anchors: purchased 1, clicked 0.6, impressed 0.2, times this. */
  anchors?: number
}

/**
 * `bm25-bpr`: a personalised re-ranker. The best BM25 matches of the query are re-ranked by
 * BM25 plus the user's BPR score (matrix factorisation trained between rounds on the
 * clicks), and, with `anchors` > 0, plus the query's preference anchors.
 */
export function bm25BprPolicy(options: Bm25BprOptions = {}): Policy<BprState, BprSnapshot> {
  const bpr = bprPolicy(options)
  const nCand = options.candidates ?? 50
  const wPersonal = options.personal ?? 0.5
  const wAnchors = options.anchors ?? 0
  return definePolicy({
    name: 'bm25-bpr',
    init: bpr.init,
    snapshot: bpr.snapshot,
    learn: bpr.learn,
    recommend: (snap, user, k, _rng, ctx) => {
      const idx = bm25Index(ctx.catalog)
      const text = user.search ? bm25Scores(idx, user.search.query) : new Float32Array(idx.size)
      const cands = matching(text)
        .sort((a, b) => text[b]! - text[a]! || idx.prior[b]! - idx.prior[a]! || a - b)
        .slice(0, nCand)
      const d = snap.dim
      const personal = new Map<number, number>()
      for (const i of cands) {
        let s = snap.bias[i]!
        for (let f = 0; f < d; f++) s += snap.users[user.id * d + f]! * snap.items[i * d + f]!
        personal.set(i, s)
      }
      // Standardise the BPR scores over the candidates, so that the weight means the same every query.
      const vals = [...personal.values()]
      const mean = vals.reduce((a, b) => a + b, 0) / Math.max(1, vals.length)
      const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, vals.length)) || 1
      const maxText = cands.length ? text[cands[0]!]! : 1
      const anchor = new Map<number, number>()
      const a = user.search?.anchors
      if (a && wAnchors > 0) {
        for (const i of a.impressed) anchor.set(i, (anchor.get(i) ?? 0) + 0.2)
        for (const i of a.clicked) anchor.set(i, (anchor.get(i) ?? 0) + 0.6)
        for (const i of a.purchased) anchor.set(i, (anchor.get(i) ?? 0) + 1)
      }
      const score = (i: number) => text[i]! / maxText + (wPersonal * (personal.get(i)! - mean)) / sd + wAnchors * (anchor.get(i) ?? 0)
      return resultPage(idx, score, cands, k, user)
    },
  })
}
