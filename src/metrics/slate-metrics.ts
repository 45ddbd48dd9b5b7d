import { itemSimilarity, topK, type CatalogIndex } from '../core/index.ts'

/** Mean pairwise (1 − cosine) of the slate's item vectors. */
export function intraListDiversity(idx: CatalogIndex, slate: readonly number[]): number {
  if (slate.length < 2) return 0
  let s = 0
  let pairs = 0
  for (let a = 0; a < slate.length; a++) {
    for (let b = a + 1; b < slate.length; b++) {
      s += 1 - itemSimilarity(idx, slate[a]!, slate[b]!)
      pairs++
    }
  }
  return s / pairs
}

/** Mean self-information (bits) of the slate's items under the catalog's prior popularity. */
export function novelty(idx: CatalogIndex, slate: readonly number[]): number {
  if (slate.length === 0) return 0
  let s = 0
  for (const i of slate) s += idx.selfInfo[i]!
  return s / slate.length
}

const gain = (u: number) => Math.max(0, u)

/**
 * NDCG@K of a slate, graded by true utility, against the oracle's slate for the same
 * user (the top-K true utilities over the catalog minus the user's history).
 */
export function ndcgAgainstOracle(
  utility: (item: number) => number,
  catalogSize: number,
  slate: readonly number[],
  history: readonly number[],
): number {
  const k = slate.length
  if (k === 0) return Number.NaN
  let dcg = 0
  slate.forEach((item, j) => (dcg += gain(utility(item)) / Math.log2(j + 2)))
  const all = new Float32Array(catalogSize)
  for (let i = 0; i < catalogSize; i++) all[i] = utility(i)
  let idcg = 0
  topK(all, k, history).forEach((item, j) => (idcg += gain(all[item]!) / Math.log2(j + 2)))
  return idcg > 0 ? Math.min(1, dcg / idcg) : Number.NaN
}
