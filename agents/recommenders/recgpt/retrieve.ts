import type { Catalog } from '../../../src/core/index.ts'
import { tokens } from '../../explanations/claims.ts'

const postings = new WeakMap<Catalog, Map<string, number[]>>()

/** Items by lower-case attribute (category or tag), built once per catalog and thread. */
export function attributeIndex(catalog: Catalog): Map<string, number[]> {
  let idx = postings.get(catalog)
  if (!idx) {
    idx = new Map()
    for (const it of catalog.items) {
      for (const a of new Set([it.category, ...it.tags].map((x) => x.toLowerCase()))) {
        let list = idx.get(a)
        if (!list) idx.set(a, (list = []))
        list.push(it.id)
      }
    }
    postings.set(catalog, idx)
  }
  return idx
}

/** Catalog items a tag describes: those carrying every attribute word the tag names. */
export function tagMatches(tag: string, catalog: Catalog): number {
  const idx = attributeIndex(catalog)
  const words = tokens(tag).filter((w) => idx.has(w))
  if (!words.length) return 0
  const sets = words.map((w) => idx.get(w)!)
  sets.sort((a, b) => a.length - b.length)
  const rest = sets.slice(1).map((s) => new Set(s))
  return sets[0]!.filter((id) => rest.every((s) => s.has(id))).length
}

/**
 * RecGPT's tag-aware retrieval: an item's semantic score is how much of a predicted tag it
 * carries (the best tag, earlier tags weighing more), its collaborative score the policy's
 * popularity signal; the two are fused by `semanticWeight`. Candidates are the items matched by
 * a tag word plus the `poolSize` most popular, so the cost does not grow with the catalog.
 */
export function retrieveByTags(
  tags: readonly string[],
  catalog: Catalog,
  collab: ArrayLike<number>,
  order: ArrayLike<number>,
  history: readonly number[],
  k: number,
  opts: { semanticWeight: number; poolSize?: number },
): number[] {
  const idx = attributeIndex(catalog)
  const semantic = new Map<number, number>()
  tags.forEach((tag, rank) => {
    const words = tokens(tag).filter((w) => idx.has(w))
    if (!words.length) return
    const decay = 1 / (1 + 0.15 * rank)
    const hits = new Map<number, number>()
    for (const w of words) for (const id of idx.get(w)!) hits.set(id, (hits.get(id) ?? 0) + 1 / words.length)
    for (const [id, share] of hits) semantic.set(id, Math.max(semantic.get(id) ?? 0, share * decay))
  })
  const seen = new Set(history)
  const pool = new Set(semantic.keys())
  for (let i = 0, n = 0; i < order.length && n < (opts.poolSize ?? 200); i++, n++) pool.add(order[i]!)
  const w = opts.semanticWeight
  const scored: Array<[number, number]> = []
  for (const id of pool) if (!seen.has(id)) scored.push([id, w * (semantic.get(id) ?? 0) + (1 - w) * collab[id]!])
  scored.sort((a, b) => b[1] - a[1] || a[0] - b[0])
  return scored.slice(0, k).map(([id]) => id)
}
