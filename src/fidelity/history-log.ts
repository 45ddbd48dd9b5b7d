import type { HistoryLog } from '../core/index.ts'

/** A user's training part: items oldest first and their ratings (what `trainingHistory` returns). */
export interface TrainingHistory {
  history: readonly (readonly number[])[]
  historyRatings: readonly (readonly number[])[]
  historySource: string
}

/**
 * The warm-start log of a data-driven population: agent a is dataset user a % users, and
 * its training ratings, oldest first, are one interaction (slate = clicks = the items).
 * The movielens scenario's `history` and `usersim eval ranking`'s offline side both use
 * it, so a simulated policy and its offline twin learn exactly the same thing.
 */
export function historyLog(w: TrainingHistory, agents: number): HistoryLog {
  const users = w.history.length
  const interactions = Array.from({ length: agents }, (_, a) => {
    const items = w.history[a % users]!
    return { agent: a, slate: items, clicks: items, ratings: w.historyRatings[a % users]!.map((r) => Math.min(5, Math.max(1, Math.round(r)))) }
  })
  return { source: w.historySource, batches: [{ round: -1, interactions }] }
}
