import type { RoundMetrics, RunSummary } from '../../metrics/index.ts'
import { formatTable } from './table.ts'

/** The per-round metrics table that `run` and `show` print. */
export function roundsTable(rounds: readonly RoundMetrics[]): string {
  // A scenario's own metrics follow the standard columns.
  const custom = [...new Set(rounds.flatMap((m) => Object.keys(m.custom ?? {})))]
  // The funnel and search columns appear only for runs that have them (rounds stored before they existed lack the fields).
  const funnel = rounds.some((m) => (m.carts ?? 0) > 0)
  const search = rounds.some((m) => (m.searches ?? 0) > 0)
  return formatTable(
    [
      'round', 'present', 'CTR', 'rating', 'satisf.', 'leave', 'return', 'coverage', 'ILD', 'Gini', 'novelty', 'NDCG@K', 'said',
      ...(funnel ? ['cart', 'conv.', 'GMV'] : []), ...(search ? ['reform.', 'bad q.'] : []), ...custom,
    ],
    rounds.map((m) => [
      m.round, m.present, m.ctr, m.meanRating, m.satisfaction, m.leaveRate, m.returnRate, m.coverage, m.ild, m.gini, m.novelty, m.ndcg, m.utterances,
      ...(funnel ? [m.cartRate, m.conversion, m.gmv] : []), ...(search ? [m.reformulationRate, m.badQueryRate] : []),
      ...custom.map((c) => m.custom?.[c] ?? Number.NaN),
    ]),
  )
}

export function summaryTable(s: RunSummary): string {
  return formatTable(
    ['metric', 'value'],
    [
      ['agent-steps', s.agentSteps],
      ['CTR', s.ctr],
      ['mean rating', s.meanRating],
      ['satisfaction (mean / final)', `${s.satisfaction.toFixed(3)} / ${s.finalSatisfaction.toFixed(3)}`],
      ['leave rate', s.leaveRate],
      ['return rate', s.returnRate],
      ['catalog coverage (all rounds)', s.coverage],
      ['exposure Gini (all rounds)', s.gini],
      ['intra-list diversity', s.ild],
      ['novelty (bits)', s.novelty],
      ['NDCG@K vs oracle', s.ndcg],
      ...((s.carts ?? 0) > 0
        ? ([['add-to-cart rate (per click)', s.cartRate], ['conversion (per visit)', s.conversion], ['GMV', s.gmv], ['GMV per visit', s.gmvPerUser]] as [string, number][])
        : []),
      ...((s.searches ?? 0) > 0
        ? ([['search requests', s.searches], ['reformulation rate', s.reformulationRate], ['bad-query rate (no click)', s.badQueryRate]] as [string, number][])
        : []),
      ...Object.entries(s.custom ?? {}).map(([k, v]): [string, number] => [`${k} (last round)`, v]),
    ],
  )
}
