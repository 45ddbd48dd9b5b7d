import { definePolicy, queryTerms, type Catalog, type Policy, type UserView } from '../../../src/core/index.ts'

/**
 * BM25 over each item's title, category and tags (Robertson–Spärck Jones: k1 = 1.2,
 * b = 0.75). Exact terms only, as a plain text index: a misspelt term matches nothing.
 */
export interface Bm25Index {
  /** term → [item, term frequency] postings. */
  postings: Map<string, Array<[number, number]>>
  lengths: Float32Array
  avgLength: number
  size: number
  /** log prior popularity, to break ties among equal text matches. */
  prior: Float32Array
}

const K1 = 1.2
const B = 0.75
const indexes = new WeakMap<Catalog, Bm25Index>()

/** The catalog's BM25 index, built once per catalog and thread (a pure function of the catalog). */
export function bm25Index(catalog: Catalog): Bm25Index {
  let idx = indexes.get(catalog)
  if (idx) return idx
  const postings = new Map<string, Array<[number, number]>>()
  const lengths = new Float32Array(catalog.items.length)
  let total = 0
  for (const it of catalog.items) {
    const terms = queryTerms(`${it.title} ${it.category} ${it.tags.join(' ')}`)
    lengths[it.id] = terms.length
    total += terms.length
    const tf = new Map<string, number>()
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1)
    for (const [t, f] of tf) {
      let p = postings.get(t)
      if (!p) postings.set(t, (p = []))
      p.push([it.id, f])
    }
  }
  const prior = Float32Array.from(catalog.items, (it) => Math.log(Math.max(it.popularity, 1e-12)))
  idx = { postings, lengths, avgLength: total / Math.max(1, catalog.items.length), size: catalog.items.length, prior }
  indexes.set(catalog, idx)
  return idx
}

/** BM25 scores of every item for a query (0 for items matching no term). */
export function bm25Scores(idx: Bm25Index, query: string): Float32Array {
  const scores = new Float32Array(idx.size)
  for (const t of new Set(queryTerms(query))) {
    const p = idx.postings.get(t)
    if (!p) continue
    const idf = Math.log(1 + (idx.size - p.length + 0.5) / (p.length + 0.5))
    for (const [item, f] of p) scores[item] = scores[item]! + (idf * f * (K1 + 1)) / (f + K1 * (1 - B + (B * idx.lengths[item]!) / idx.avgLength))
  }
  return scores
}

/**
 * The result page: the best `k` of `score` among items that match the query (ties by prior
 * popularity), then, when fewer match, the most popular items the user has not consumed.
 */
export function resultPage(idx: Bm25Index, score: (item: number) => number, matches: Iterable<number>, k: number, user: UserView): number[] {
  const seen = new Set(user.history)
  const ranked = [...matches]
    .filter((i) => !seen.has(i))
    .map((i) => [i, score(i) + 1e-4 * idx.prior[i]!] as const)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, k)
    .map(([i]) => i)
  if (ranked.length < k) {
    const taken = new Set(ranked)
    for (const i of popularOrder(idx)) {
      if (ranked.length >= k) break
      if (!taken.has(i) && !seen.has(i)) ranked.push(i)
    }
  }
  return ranked
}

const orders = new WeakMap<Bm25Index, number[]>()
function popularOrder(idx: Bm25Index): number[] {
  let o = orders.get(idx)
  if (!o) orders.set(idx, (o = Array.from({ length: idx.size }, (_, i) => i).sort((a, b) => idx.prior[b]! - idx.prior[a]! || a - b)))
  return o
}

/** The items with a positive score. */
export function matching(scores: Float32Array): number[] {
  const out: number[] = []
  for (let i = 0; i < scores.length; i++) if (scores[i]! > 0) out.push(i)
  return out
}

/**
 * `bm25`: a text-match search engine. Ranks the catalog by BM25 against the user's query
 * (no query: the most popular items); learns nothing.
 */
export function bm25Policy(): Policy<null, null> {
  return definePolicy({
    name: 'bm25',
    init: () => null,
    snapshot: () => null,
    recommend: (_snap, user, k, _rng, ctx) => {
      const idx = bm25Index(ctx.catalog)
      const scores = user.search ? bm25Scores(idx, user.search.query) : new Float32Array(idx.size)
      return resultPage(idx, (i) => scores[i]!, matching(scores), k, user)
    },
    learn: (s) => s,
  })
}
