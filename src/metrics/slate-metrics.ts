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

/** A user's best items by true utility, best first (enough to skip a bounded history). */
export interface IdealList {
  items: Int32Array
  utils: Float32Array
}

/** The top `size` items by true utility over the whole catalog. */
export function idealList(utility: (item: number) => number, catalogSize: number, size: number): IdealList {
  const all = new Float32Array(catalogSize)
  for (let i = 0; i < catalogSize; i++) all[i] = utility(i)
  const items = Int32Array.from(topK(all, Math.min(size, catalogSize)))
  return { items, utils: Float32Array.from(items, (i) => all[i]!) }
}

/**
 * NDCG@K of a slate, graded by true utility, against the oracle's slate for the same
 * user (the top-K true utilities over the catalog minus the user's history). `ideal`
 * is the user's precomputed best list; it is recomputed only if the history hides too
 * much of it.
 */
export function ndcgAgainstOracle(
  utility: (item: number) => number,
  catalogSize: number,
  slate: ArrayLike<number>,
  history: readonly number[],
  ideal?: IdealList,
): number {
  const k = slate.length
  if (k === 0) return Number.NaN
  let dcg = 0
  for (let j = 0; j < k; j++) dcg += gain(utility(slate[j]!)) / Math.log2(j + 2)
  let list = ideal
  if (!list || list.items.length < k + history.length) list = idealList(utility, catalogSize, k + history.length)
  let idcg = 0
  let j = 0
  for (let n = 0; n < list.items.length && j < k; n++) {
    if (history.includes(list.items[n]!)) continue
    idcg += gain(list.utils[n]!) / Math.log2(j + 2)
    j++
  }
  return idcg > 0 ? Math.min(1, dcg / idcg) : Number.NaN
}
