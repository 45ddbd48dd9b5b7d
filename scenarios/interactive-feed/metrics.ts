import type { MetricFn, OutcomeRow } from '../../src/core/index.ts'
import type { FeedCommanderState } from '../../agents/users/feed-commander/index.ts'

const episodes = (states: readonly FeedCommanderState[]) => states
const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0)
const r4 = (x: number) => Math.round(x * 1e4) / 1e4

/**
 * Interactive-feed metrics. Each reads the users' episode bookkeeping after the round,
 * so the value at the last round is the episode figure: Recall@K and NDCG@K of the
 * hidden target in each user's latest feed, CSR (share of the latest feed meeting the
 * conditions said so far), pass rate, mean rounds to satisfaction, and this round's
 * unreadable commands and title leaks.
 */
export const feedMetrics: Record<string, MetricFn<FeedCommanderState>> = {
  recall_at_k: (_rows, { states }) => r4(mean(episodes(states).map((e) => e.recall))),
  ndcg_at_k: (_rows, { states }) => r4(mean(episodes(states).map((e) => e.ndcg))),
  csr_at_k: (_rows, { states }) => r4(mean(episodes(states).flatMap((e) => (e.csr === null ? [] : [e.csr])))),
  pass_rate: (_rows, { states }) => r4(mean(episodes(states).map((e) => (e.passed ? 1 : 0)))),
  avg_rounds: (_rows, { states }) => r4(mean(episodes(states).flatMap((e) => (e.passed && e.passRound !== null ? [e.passRound + 1] : [])))),
  commands: (rows: readonly OutcomeRow[]) => rows.reduce((n, r) => n + r.utterances.filter((u) => u.kind === 'command').length, 0),
  unparsed: (rows, { policyMemory }) => policyMemory.filter((m, k) => rows[k]?.present === true && (m as { unparsed?: boolean } | undefined)?.unparsed === true).length,
  title_leaks: (_rows, { states }) => episodes(states).reduce((n, e) => n + e.leaks, 0),
}
