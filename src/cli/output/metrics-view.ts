import type { RoundMetrics, RunSummary } from '../../metrics/index.ts'
import { formatTable } from './table.ts'

/** The per-round metrics table that `run` and `show` print. */
export function roundsTable(rounds: readonly RoundMetrics[]): string {
  // A scenario's own metrics follow the standard columns.
  const custom = [...new Set(rounds.flatMap((m) => Object.keys(m.custom ?? {})))].filter((k) => !isJudgeMetric(k))
  // Failed agent-steps look like present users who clicked nothing: when there are any, they get a column.
  const errors = rounds.some((m) => (m.errors ?? 0) > 0) ? ['errors'] : []
  // The funnel and search columns appear only for runs that have them (rounds stored before they existed lack the fields).
  const funnel = rounds.some((m) => (m.carts ?? 0) > 0)
  const search = rounds.some((m) => (m.searches ?? 0) > 0)
  return formatTable(
    [
      'round', 'present', 'CTR', 'rating', 'satisf.', 'leave', 'return', 'coverage', 'ILD', 'Gini', 'novelty', 'NDCG@K', 'said', ...errors,
      ...(funnel ? ['cart', 'conv.', 'GMV'] : []), ...(search ? ['reform.', 'bad q.'] : []), ...custom,
    ],
    rounds.map((m) => [
      m.round, m.present, m.ctr, m.meanRating, m.satisfaction, m.leaveRate, m.returnRate, m.coverage, m.ild, m.gini, m.novelty, m.ndcg, m.utterances,
      ...errors.map(() => m.errors ?? 0),
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
      ['agent errors (steps that threw)', s.agentErrors ?? 0],
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
      ...Object.entries(s.custom ?? {}).filter(([k]) => !isJudgeMetric(k)).map(([k, v]): [string, number] => [`${k} (last round)`, v]),
    ],
  )
}

/** Judge-agreement metrics (`judge.<criterion>.acc|kappa`) get a table of their own. */
export const isJudgeMetric = (key: string) => key.startsWith('judge.')

/**
 * The judge's agreement per criterion: accuracy and Cohen's κ against the simulator's ground
 * truth and against the simulated users' own aspect scores (`judge.vs-user.*`); undefined
 * when the run has no judge metrics.
 */
export function judgeAgreementTable(custom: Readonly<Record<string, number | null>>): string | undefined {
  const rows = new Map<string, { acc?: number | null; kappa?: number | null }>()
  for (const [k, v] of Object.entries(custom)) {
    const m = /^judge\.(.+)\.(acc|kappa)$/.exec(k)
    if (!m) continue
    const row = rows.get(m[1]!) ?? {}
    row[m[2] as 'acc' | 'kappa'] = v
    rows.set(m[1]!, row)
  }
  if (!rows.size) return undefined
  const num = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x : Number.NaN)
  return formatTable(
    ['output', 'criterion', 'against', 'accuracy', 'kappa'],
    [...rows.entries()].map(([name, r]) => {
      const parts = name.split('.')
      const vsUser = parts[0] === 'vs-user'
      return [vsUser ? 'explanation' : parts[0]!, parts.at(-1)!, vsUser ? 'users\' aspect scores' : 'hidden truth', num(r.acc), num(r.kappa)]
    }),
  )
}
