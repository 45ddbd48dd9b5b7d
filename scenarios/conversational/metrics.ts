import type { MetricFn } from '../../src/core/index.ts'
import type { CrsEpisode } from '../../agents/users/crs-user/index.ts'
import { crsMemory } from '../../agents/recommenders/crs/index.ts'

const r4 = (x: number) => Math.round(x * 1e4) / 1e4
const pooled = (states: readonly CrsEpisode[], sum: 'recSum' | 'stratSum' | 'expSum', n: 'recN' | 'stratN' | 'expN') => {
  let s = 0
  let c = 0
  for (const e of states) [s, c] = [s + e.scores[sum], c + e.scores[n]]
  return c ? r4(s / c) : 0
}

/**
 * Conversational metrics from the dialogues' bookkeeping after each turn (the last
 * round's values are the episode figures): success rate (target recommended), recall
 * (target among the CRS's search results at any turn; needs the `crs` policy's memory),
 * mean turns, mean item-match (non-zero only), strategy and expectation-confirmation scores.
 */
export function crsMetrics(): Record<string, MetricFn<CrsEpisode>> {
  return {
    success_rate: (_rows, { states }) => r4(states.filter((e) => e.found).length / Math.max(1, states.length)),
    recall: (_rows, { states, policyMemory }) =>
      r4(
        states.filter((e, k) => {
          const m = crsMemory.safeParse(policyMemory[k])
          return m.success && m.data.retrieved.includes(e.target)
        }).length / Math.max(1, states.length),
      ),
    avg_turns: (_rows, { states }) => r4(states.reduce((n, e) => n + e.turns, 0) / Math.max(1, states.length)),
    avg_rec_score: (_rows, { states }) => pooled(states, 'recSum', 'recN'),
    avg_strategy: (_rows, { states }) => pooled(states, 'stratSum', 'stratN'),
    avg_expression: (_rows, { states }) => pooled(states, 'expSum', 'expN'),
    title_leaks: (_rows, { states }) => states.reduce((n, e) => n + e.leaks, 0),
  }
}
