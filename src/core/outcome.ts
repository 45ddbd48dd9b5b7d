import type { Interaction } from './interaction.ts'

/**
 * One agent's round as stored and measured: the compact event row.
 * Metric fields are computed inside the shard (where the truth is at hand) so the
 * orchestrator only sums them in agent order, which keeps metrics identical for any
 * shard count.
 */
export interface OutcomeRow {
  agent: number
  round: number
  present: boolean
  returned: boolean
  slate: number[]
  clicks: number[]
  ratings: number[]
  satisfaction: number
  left: boolean
  /** NDCG@K of the slate against the oracle's slate; NaN when this agent is not sampled. */
  ndcg: number
  /** Intra-list diversity (mean pairwise 1 − cosine of item vectors); NaN when absent. */
  ild: number
  /** Mean self-information of the slate's items (bits); NaN when absent. */
  novelty: number
  /** Violations of hard dislikes in clicks (consistency signal). */
  violations: number
  utterances: { kind: string; text: string }[]
  /** Items added to the cart (a subset of clicks) and ordered (a subset of carts). */
  carts?: number[]
  orders?: number[]
  /** Value of the orders (the sum of their catalog prices). */
  gmv?: number
  /** The search request of this round, when the user searched. */
  search?: SearchRequestRecord
}

/** What the log keeps of a search request: the query, and whether it reformulates the user's previous one. */
export interface SearchRequestRecord {
  query: string
  reformulation: boolean
}

/** Funnel depth per click (RowBatch.funnel). */
export const FUNNEL_CLICK = 0
export const FUNNEL_CART = 1
export const FUNNEL_ORDER = 2

const PRESENT = 1
const RETURNED = 2
const LEFT = 4

/**
 * A shard's rows in columnar form: typed arrays that cross threads without copying
 * and insert into SQLite without building an object per agent.
 */
export interface RowBatch {
  round: number
  start: number
  count: number
  slateSize: number
  flags: Uint8Array
  /** count × slateSize item ids, -1 padded. */
  slates: Int32Array
  /** count + 1 offsets into clicks / ratings. */
  clickOffsets: Uint32Array
  clicks: Int32Array
  ratings: Int8Array
  satisfaction: Float64Array
  ndcg: Float64Array
  ild: Float64Array
  novelty: Float64Array
  violations: Uint16Array
  /** Per click (aligned with `clicks`): FUNNEL_CLICK, FUNNEL_CART or FUNNEL_ORDER (ordered implies carted). */
  funnel: Uint8Array
  /** Per row: the value of the orders. */
  gmv: Float64Array
  utterances: { agent: number; kind: string; text: string }[]
  /** Search requests of the rows that searched (sparse, in agent order). */
  searches: ({ agent: number } & SearchRequestRecord)[]
}

/** Packs rows (in agent order, starting at `start`) into a RowBatch. */
export function packRows(rows: readonly OutcomeRow[], round: number, start: number, slateSize: number): RowBatch {
  const n = rows.length
  let totalClicks = 0
  for (const r of rows) totalClicks += r.clicks.length
  const b: RowBatch = {
    round,
    start,
    count: n,
    slateSize,
    flags: new Uint8Array(n),
    slates: new Int32Array(n * slateSize).fill(-1),
    clickOffsets: new Uint32Array(n + 1),
    clicks: new Int32Array(totalClicks),
    ratings: new Int8Array(totalClicks),
    satisfaction: new Float64Array(n),
    ndcg: new Float64Array(n),
    ild: new Float64Array(n),
    novelty: new Float64Array(n),
    violations: new Uint16Array(n),
    funnel: new Uint8Array(totalClicks),
    gmv: new Float64Array(n),
    utterances: [],
    searches: [],
  }
  let c = 0
  rows.forEach((r, k) => {
    b.flags[k] = (r.present ? PRESENT : 0) | (r.returned ? RETURNED : 0) | (r.left ? LEFT : 0)
    for (let j = 0; j < r.slate.length && j < slateSize; j++) b.slates[k * slateSize + j] = r.slate[j]!
    b.clickOffsets[k] = c
    const carts = r.carts?.length ? new Set(r.carts) : undefined
    const orders = r.orders?.length ? new Set(r.orders) : undefined
    for (let j = 0; j < r.clicks.length; j++, c++) {
      const id = r.clicks[j]!
      b.clicks[c] = id
      b.ratings[c] = r.ratings[j] ?? 0
      b.funnel[c] = orders?.has(id) ? FUNNEL_ORDER : carts?.has(id) ? FUNNEL_CART : FUNNEL_CLICK
    }
    b.gmv[k] = r.gmv ?? 0
    if (r.search) b.searches.push({ agent: r.agent, query: r.search.query, reformulation: r.search.reformulation })
    b.satisfaction[k] = r.satisfaction
    b.ndcg[k] = r.ndcg
    b.ild[k] = r.ild
    b.novelty[k] = r.novelty
    b.violations[k] = r.violations
    for (const u of r.utterances) b.utterances.push({ agent: r.agent, kind: u.kind, text: u.text })
  })
  b.clickOffsets[n] = c
  return b
}

/** The slate of row k (a view, no copy). */
export function slateAt(b: RowBatch, k: number): Int32Array {
  const s = b.slates.subarray(k * b.slateSize, (k + 1) * b.slateSize)
  let len = 0
  while (len < s.length && s[len]! >= 0) len++
  return s.subarray(0, len)
}

export function clicksAt(b: RowBatch, k: number): Int32Array {
  return b.clicks.subarray(b.clickOffsets[k]!, b.clickOffsets[k + 1]!)
}

export function ratingsAt(b: RowBatch, k: number): Int8Array {
  return b.ratings.subarray(b.clickOffsets[k]!, b.clickOffsets[k + 1]!)
}

/** Items of row k added to the cart (ordered ones included), in click order. */
export function cartsAt(b: RowBatch, k: number): number[] {
  const out: number[] = []
  for (let c = b.clickOffsets[k]!; c < b.clickOffsets[k + 1]!; c++) if (b.funnel[c]! >= FUNNEL_CART) out.push(b.clicks[c]!)
  return out
}

/** Items of row k ordered, in click order. */
export function ordersAt(b: RowBatch, k: number): number[] {
  const out: number[] = []
  for (let c = b.clickOffsets[k]!; c < b.clickOffsets[k + 1]!; c++) if (b.funnel[c]! === FUNNEL_ORDER) out.push(b.clicks[c]!)
  return out
}

export const isPresent = (b: RowBatch, k: number) => (b.flags[k]! & PRESENT) !== 0
export const hasReturned = (b: RowBatch, k: number) => (b.flags[k]! & RETURNED) !== 0
export const hasLeft = (b: RowBatch, k: number) => (b.flags[k]! & LEFT) !== 0

/**
 * What a policy learns from row k (a present row): the slate, clicks and ratings, the funnel
 * when there is one and the query when the user searched. The store's `roundInteractions`
 * rebuilds the same from the events table (a resumed policy replays it).
 */
export function interactionAt(b: RowBatch, k: number): Interaction {
  const agent = b.start + k
  const i: Interaction = { agent, slate: slateAt(b, k), clicks: clicksAt(b, k), ratings: ratingsAt(b, k) }
  const carts = cartsAt(b, k)
  if (carts.length) {
    i.carts = carts
    i.orders = ordersAt(b, k)
  }
  const q = searchAt(b, k)
  if (q?.query) i.query = q.query
  return i
}

/** Row k as a plain object (for custom metrics and tests; the hot path reads columns). */
export function rowAt(b: RowBatch, k: number): OutcomeRow {
  const agent = b.start + k
  return {
    agent,
    round: b.round,
    present: isPresent(b, k),
    returned: hasReturned(b, k),
    slate: Array.from(slateAt(b, k)),
    clicks: Array.from(clicksAt(b, k)),
    ratings: Array.from(ratingsAt(b, k)),
    satisfaction: b.satisfaction[k]!,
    left: hasLeft(b, k),
    ndcg: b.ndcg[k]!,
    ild: b.ild[k]!,
    novelty: b.novelty[k]!,
    violations: b.violations[k]!,
    utterances: b.utterances.filter((u) => u.agent === agent).map(({ kind, text }) => ({ kind, text })),
    ...funnelOf(b, k),
    ...searchOf(b, agent),
  }
}

function funnelOf(b: RowBatch, k: number): Pick<OutcomeRow, 'carts' | 'orders' | 'gmv'> {
  const carts = cartsAt(b, k)
  return carts.length ? { carts, orders: ordersAt(b, k), gmv: b.gmv[k]! } : {}
}

function searchOf(b: RowBatch, agent: number): { search?: SearchRequestRecord } {
  const s = searchAt(b, agent - b.start)
  return s ? { search: { query: s.query, reformulation: s.reformulation } } : {}
}

const searchIndex = new WeakMap<RowBatch, Map<number, SearchRequestRecord>>()

/** The search request of row k, if the user searched. */
export function searchAt(b: RowBatch, k: number): SearchRequestRecord | undefined {
  if (!b.searches.length) return undefined
  let m = searchIndex.get(b)
  if (!m) searchIndex.set(b, (m = new Map(b.searches.map((x) => [x.agent, x]))))
  return m.get(b.start + k)
}

/** The ArrayBuffers of a batch, for a zero-copy postMessage transfer list. */
export function batchBuffers(b: RowBatch): ArrayBuffer[] {
  return [b.flags, b.slates, b.clickOffsets, b.clicks, b.ratings, b.satisfaction, b.ndcg, b.ild, b.novelty, b.violations, b.funnel, b.gmv].map(
    (a) => a.buffer as ArrayBuffer,
  )
}
