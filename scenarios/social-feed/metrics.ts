import type { MetricFn } from '../../src/core/index.ts'
import type { AiloState } from '../../agents/users/ailo/index.ts'

/**
 * Per-round word-of-mouth metrics from the users' own states (each counts the round the
 * user last stepped in, so absent users count nothing) and the round's rows (feed clicks):
 * - `friendClickShare`: clicks on friends' shares / all clicks (friends' and the feed's);
 * - `shares`: users who shared an item this round;
 * - `friendClicks`: clicks on friends' shares.
 */
export function socialMetrics(): Record<string, MetricFn<AiloState>> {
  const sums = (round: number, states: readonly AiloState[]) => {
    let friend = 0
    let shared = 0
    for (const s of states) {
      if (s.social?.round !== round) continue
      friend += s.social.friendClicks
      shared += s.social.shared
    }
    return { friend, shared }
  }
  return {
    friendClickShare: (rows, { round, states }) => {
      const { friend } = sums(round, states)
      let feed = 0
      for (const r of rows) feed += r.clicks.length
      return friend + feed ? friend / (friend + feed) : 0
    },
    friendClicks: (_rows, { round, states }) => sums(round, states).friend,
    shares: (_rows, { round, states }) => sums(round, states).shared,
  }
}
