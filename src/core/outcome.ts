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
}

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
  utterances: { agent: number; kind: string; text: string }[]
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
    utterances: [],
  }
  let c = 0
  rows.forEach((r, k) => {
    b.flags[k] = (r.present ? PRESENT : 0) | (r.returned ? RETURNED : 0) | (r.left ? LEFT : 0)
    for (let j = 0; j < r.slate.length && j < slateSize; j++) b.slates[k * slateSize + j] = r.slate[j]!
    b.clickOffsets[k] = c
    for (let j = 0; j < r.clicks.length; j++, c++) {
      b.clicks[c] = r.clicks[j]!
      b.ratings[c] = r.ratings[j] ?? 0
    }
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

export const isPresent = (b: RowBatch, k: number) => (b.flags[k]! & PRESENT) !== 0
export const hasReturned = (b: RowBatch, k: number) => (b.flags[k]! & RETURNED) !== 0
export const hasLeft = (b: RowBatch, k: number) => (b.flags[k]! & LEFT) !== 0

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
  }
}

/** The ArrayBuffers of a batch, for a zero-copy postMessage transfer list. */
export function batchBuffers(b: RowBatch): ArrayBuffer[] {
  return [b.flags, b.slates, b.clickOffsets, b.clicks, b.ratings, b.satisfaction, b.ndcg, b.ild, b.novelty, b.violations].map(
    (a) => a.buffer as ArrayBuffer,
  )
}
