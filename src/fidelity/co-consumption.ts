/**
 * "People who consumed what you consumed last also consumed this": the affinity of every
 * item to a user's latest items, from who consumed what in a training log. For an item i
 * and the user's last L items a: mean over a of |U(a) ∩ U(i)| / √(|U(a)|·|U(i)|), with U(x)
 * the users who consumed x. The choice model weighs it with a coefficient fitted on data.
 */
export class CoConsumption {
  private readonly byItem: Int32Array[]
  private readonly count: Float64Array
  private readonly acc: Float64Array

  constructor(
    private readonly byUser: readonly (readonly number[])[],
    nItems: number,
  ) {
    const lists: number[][] = Array.from({ length: nItems }, () => [])
    byUser.forEach((items, u) => {
      for (const i of new Set(items)) lists[i]!.push(u)
    })
    this.byItem = lists.map((l) => Int32Array.from(l))
    this.count = Float64Array.from(lists, (l) => l.length)
    this.acc = new Float64Array(nItems)
  }

  /** Calls `use(acc)` with every item's affinity to `anchors` (valid only during the call). */
  affinity<T>(anchors: readonly number[], use: (acc: Float64Array) => T): T {
    const acc = this.acc
    acc.fill(0)
    const anchorSet = [...new Set(anchors)]
    for (const a of anchorSet) {
      const row = this.neighbours(a)
      for (let k = 0; k < row.items.length; k++) acc[row.items[k]!]! += row.scores[k]! / anchorSet.length
    }
    return use(acc)
  }

  private hitsArr?: Float64Array
  private readonly rows = new Map<number, { items: Int32Array; scores: Float64Array }>()

  /**
   * An item's NEIGHBOURS most co-consumed items with their cosines, computed once per
   * item (each anchor costs the histories of its consumers).
   */
  private neighbours(a: number): { items: Int32Array; scores: Float64Array } {
    let row = this.rows.get(a)
    if (row) return row
    const hits = (this.hitsArr ??= new Float64Array(this.acc.length))
    const na = this.count[a]!
    const touched: number[] = []
    for (const v of this.byItem[a]!) {
      for (const i of this.distinct(v)) {
        if (hits[i] === 0) touched.push(i)
        hits[i]! += 1
      }
    }
    const scored = touched.map((i) => [i, hits[i]! / Math.sqrt(na * this.count[i]!)] as const)
    for (const i of touched) hits[i] = 0
    scored.sort((x, y) => y[1] - x[1] || x[0] - y[0])
    const top = scored.slice(0, NEIGHBOURS)
    row = { items: Int32Array.from(top, (x) => x[0]), scores: Float64Array.from(top, (x) => x[1]) }
    this.rows.set(a, row)
    return row
  }

  private readonly distinctCache = new Map<number, Int32Array>()
  private distinct(v: number): Int32Array {
    let d = this.distinctCache.get(v)
    if (!d) this.distinctCache.set(v, (d = Int32Array.from(new Set(this.byUser[v]!))))
    return d
  }
}

/** Neighbours kept per anchor item. */
const NEIGHBOURS = 200

/** The top `m` items by a positive score (ids ascending, scores aligned and rounded to 1/`precision`), leaving out `exclude`. */
export function topAffinity(acc: Float64Array, m: number, exclude: ReadonlySet<number>, precision = 1e5): { items: number[]; scores: number[] } {
  const order: number[] = []
  for (let i = 0; i < acc.length; i++) if (acc[i]! > 0 && !exclude.has(i)) order.push(i)
  order.sort((a, b) => acc[b]! - acc[a]! || a - b)
  const top = order.slice(0, m).sort((a, b) => a - b)
  return { items: top, scores: top.map((i) => Math.round(acc[i]! * precision) / precision) }
}
