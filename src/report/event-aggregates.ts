import type { Db } from '../store/index.ts'
import { slateTriples } from './report-repo.ts'

/**
 * Aggregates over the events table that never hold a run's rows in memory: one raw
 * streaming pass adds into typed arrays. A 100k-agent × 10-round run has 1M rows; the pass
 * keeps one counter per item and nothing per row.
 */

/** Per-item impressions and clicks, and ratings by value; grown in place by `addEventCounts`. */
export interface EventCounts {
  impressions: Float64Array
  clicks: Float64Array
  /** Ratings 1..5 (index 0 is rating 1). */
  ratings: Float64Array
}

export function emptyCounts(catalogSize: number): EventCounts {
  return { impressions: new Float64Array(catalogSize), clicks: new Float64Array(catalogSize), ratings: new Float64Array(5) }
}

/** Adds each comma-joined item id of `csv` to `into` (ids outside the array are ignored). */
export function addCsvCounts(csv: string, into: Float64Array): void {
  let n = -1
  for (let i = 0; i <= csv.length; i++) {
    const c = i < csv.length ? csv.charCodeAt(i) : 44
    if (c >= 48 && c <= 57) n = (n < 0 ? 0 : n * 10) + (c - 48)
    else if (c === 44) {
      if (n >= 0 && n < into.length) into[n]! += 1
      n = -1
    }
  }
}

/** Adds ratings (single digits 1..5, comma-joined; 0 = clicked, not rated) to `into`. */
export function addRatingCounts(csv: string, into: Float64Array): void {
  for (let i = 0; i < csv.length; i++) {
    const d = csv.charCodeAt(i) - 48
    if (d >= 1 && d <= 5) into[d - 1]! += 1
  }
}

/**
 * Adds the impressions, clicks and ratings of rounds [fromRound, toRound] to `into` in one
 * streaming pass over the primary-key range, reading only the three text columns.
 */
export function addEventCounts(db: Db, runKey: number, into: EventCounts, fromRound = 0, toRound = Number.MAX_SAFE_INTEGER): void {
  for (const [slate, clicks, ratings] of slateTriples(db, runKey, fromRound, toRound)) {
    addCsvCounts(slate, into.impressions)
    if (clicks) {
      addCsvCounts(clicks, into.clicks)
      addRatingCounts(ratings, into.ratings)
    }
  }
}
