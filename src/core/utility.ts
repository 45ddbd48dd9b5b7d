import type { Catalog, Persona } from './types.ts'

const MAX_TAGS = 4

/** Flat, typed views of a catalog for the hot path (built once per thread). */
export interface CatalogIndex {
  size: number
  dim: number
  vectors: Float32Array
  /** MAX_TAGS tag indexes per item, -1 padded. */
  tagIdx: Int16Array
  quality: Float32Array
  /** Price scaled to [0, 1] over the catalog. */
  priceNorm: Float32Array
  /** Self-information −log2(popularity) per item, for novelty. */
  selfInfo: Float32Array
  tagIndex: Map<string, number>
}

const indexes = new WeakMap<Catalog, CatalogIndex>()

export function indexCatalog(catalog: Catalog): CatalogIndex {
  const cached = indexes.get(catalog)
  if (cached) return cached
  const n = catalog.items.length
  const dim = catalog.items[0]?.vector.length ?? 0
  const tagIndex = new Map(catalog.tags.map((t, i) => [t, i]))
  const vectors = new Float32Array(n * dim)
  const tagIdx = new Int16Array(n * MAX_TAGS).fill(-1)
  const quality = new Float32Array(n)
  const priceNorm = new Float32Array(n)
  const selfInfo = new Float32Array(n)
  let maxPrice = 0
  for (const it of catalog.items) maxPrice = Math.max(maxPrice, it.price)
  catalog.items.forEach((it, i) => {
    vectors.set(it.vector, i * dim)
    it.tags.slice(0, MAX_TAGS).forEach((t, k) => (tagIdx[i * MAX_TAGS + k] = tagIndex.get(t) ?? -1))
    quality[i] = it.quality
    priceNorm[i] = maxPrice > 0 ? it.price / maxPrice : 0
    selfInfo[i] = -Math.log2(Math.max(it.popularity, 1e-12))
  })
  const idx = { size: n, dim, vectors, tagIdx, quality, priceNorm, selfInfo, tagIndex }
  indexes.set(catalog, idx)
  return idx
}

/** A persona's hidden utility function in typed form. */
export interface CompiledPersona {
  taste: Float32Array
  tagWeight: Float32Array
  hardDislike: Uint8Array
  qualityWeight: number
  priceWeight: number
}

export function compilePersona(p: Persona, idx: CatalogIndex): CompiledPersona {
  const tagWeight = new Float32Array(idx.tagIndex.size)
  const hardDislike = new Uint8Array(idx.tagIndex.size)
  for (const l of p.likes) {
    const t = idx.tagIndex.get(l.tag)
    if (t !== undefined) tagWeight[t] = l.weight
  }
  for (const d of p.dislikes) {
    const t = idx.tagIndex.get(d.tag)
    if (t !== undefined) tagWeight[t] = -d.weight
  }
  for (const tag of p.hardDislikes) {
    const t = idx.tagIndex.get(tag)
    if (t !== undefined) hardDislike[t] = 1
  }
  return {
    taste: Float32Array.from(p.hidden.taste),
    tagWeight,
    hardDislike,
    qualityWeight: p.hidden.qualityWeight,
    priceWeight: p.hidden.priceWeight,
  }
}

/**
 * The true utility of an item for a persona, roughly in [-2, 2]:
 * latent fit + stated attribute likes/dislikes + quality + price.
 */
export function trueUtility(cp: CompiledPersona, idx: CatalogIndex, item: number): number {
  const dim = idx.dim
  const off = item * dim
  let s = 0
  for (let d = 0; d < dim; d++) s += cp.taste[d]! * idx.vectors[off + d]!
  const toff = item * MAX_TAGS
  for (let k = 0; k < MAX_TAGS; k++) {
    const t = idx.tagIdx[toff + k]!
    if (t >= 0) s += 0.5 * cp.tagWeight[t]!
  }
  return s + cp.qualityWeight * (idx.quality[item]! - 0.5) + cp.priceWeight * (idx.priceNorm[item]! - 0.5)
}

/** Does the item carry an attribute the persona hard-dislikes. */
export function violatesHardDislike(cp: CompiledPersona, idx: CatalogIndex, item: number): boolean {
  const toff = item * MAX_TAGS
  for (let k = 0; k < MAX_TAGS; k++) {
    const t = idx.tagIdx[toff + k]!
    if (t >= 0 && cp.hardDislike[t]) return true
  }
  return false
}

/** Cosine similarity of two items' latent vectors (vectors are unit length). */
export function itemSimilarity(idx: CatalogIndex, a: number, b: number): number {
  const dim = idx.dim
  let s = 0
  for (let d = 0; d < dim; d++) s += idx.vectors[a * dim + d]! * idx.vectors[b * dim + d]!
  return s
}

/** Indexes of the k largest scores, best first, skipping `exclude`. Ties break on lower index. */
export function topK(scores: ArrayLike<number>, k: number, exclude?: ReadonlySet<number> | readonly number[]): number[] {
  const nEx = exclude ? (exclude instanceof Set ? exclude.size : (exclude as readonly number[]).length) : 0
  if (nEx === 0) return topKPlain(scores, k)
  // Excluded items can take at most nEx places: rank k + nEx without per-item checks, then drop them.
  const ex = exclude instanceof Set ? exclude : new Set(exclude)
  const out: number[] = []
  for (const i of topKPlain(scores, k + nEx)) {
    if (!ex.has(i)) out.push(i)
    if (out.length === k) break
  }
  return out
}

function topKPlain(scores: ArrayLike<number>, k: number): number[] {
  const best: number[] = []
  if (k <= 0) return best
  let floor = -Infinity
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!
    if (best.length === k && s <= floor) continue
    let pos = best.length === k ? k - 1 : best.length
    if (best.length < k) best.push(i)
    while (pos > 0 && scores[best[pos - 1]!]! < s) {
      best[pos] = best[pos - 1]!
      pos--
    }
    best[pos] = i
    if (best.length === k) floor = scores[best[k - 1]!]!
  }
  return best
}
