import type { Dataset } from '../data/index.ts'
import type { UserSplit } from './split.ts'

/** How far back "what was being watched then" looks, in seconds (every supported format stores Unix seconds). */
export const TREND_WINDOW = 365 * 86_400
/** Cut-offs are rounded down to this step, so users of the same month share one count. */
const STEP = 30 * 86_400

/**
 * What was popular around a user's time: each item's log relative popularity among the
 * training ratings of the year before a moment. All-time popularity says which films are
 * well known; this says which were being watched when the user chose next (new releases,
 * a season's hits), a strong cue of what a user picks among popular films.
 *
 * Only training rows count, and only those before the moment rounded down to a 30-day
 * step, so nothing at or after a user's cut-off, and nothing held out, informs it.
 */
export class Trending {
  private readonly times: Float64Array
  private readonly items: Int32Array
  private readonly nItems: number
  private readonly cache = new Map<number, Float32Array>()

  constructor(
    data: Dataset,
    splits: readonly UserSplit[],
    private readonly window = TREND_WINDOW,
  ) {
    const R = data.ratings
    const rows: number[] = []
    for (const s of splits) for (const k of s.train) rows.push(k)
    rows.sort((a, b) => R.time[a]! - R.time[b]! || a - b)
    this.times = Float64Array.from(rows, (k) => R.time[k]!)
    this.items = Int32Array.from(rows, (k) => R.item[k]!)
    this.nItems = data.items.length
  }

  /** Every item's log relative popularity over the window before `time` (0 when nothing was rated then). */
  at(time: number): Float32Array {
    const end = Number.isFinite(time) ? Math.floor(time / STEP) * STEP : -Infinity
    let out = this.cache.get(end)
    if (out) return out
    const counts = new Float64Array(this.nItems)
    let total = 0
    for (let k = lowerBound(this.times, end - this.window); k < this.times.length && this.times[k]! < end; k++) {
      counts[this.items[k]!]!++
      total++
    }
    const n = this.nItems
    out = Float32Array.from(counts, (c) => (total ? Math.log(((c + 1) / (total + n)) * n) : 0))
    this.cache.set(end, out)
    return out
  }
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const m = (lo + hi) >> 1
    if (a[m]! < x) lo = m + 1
    else hi = m
  }
  return lo
}
