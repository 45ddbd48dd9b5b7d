import { SimError } from '../core/index.ts'
import type { RunStore } from '../store/index.ts'

/** A marketing run's campaign, summed over rounds: what its targeting gained against random and oracle targeting of as many users. */
export interface TargetingSummary {
  run: string
  policy: string
  rounds: number
  /** Treatments sent (summed over the rounds counted). */
  treated: number
  cost: number
  revenue: number
  /** Σ over treated users of the exact effect on conversion / on revenue. */
  incConversions: number
  incRevenue: number
  /** The same number of users treated at random (expected) and by the oracle that knows the effects. */
  incConversionsRandom: number
  incConversionsOracle: number
  /** Treating the users with the largest expected effect (the hidden truth, not the draws). */
  incConversionsOracleExpected: number
  incRevenueRandom: number
  incRevenueOracle: number
  incRevenueOracleExpected: number
  /** incRevenue / cost. */
  returnOnSpend: number
}

/** Sums a marketing run's per-round campaign metrics from round `from` on. */
export function targetingSummary(store: RunStore, runId: string, from = 0): TargetingSummary {
  const run = store.getRun(runId)
  const rounds = store.getRounds(runId).filter((r) => r.round >= from && r.metrics)
  const rows = rounds.map((r) => r.metrics!.custom)
  if (!rows.length || !rows.every((c) => 'inc_conversions' in c)) {
    throw new SimError('NO_DATA', `run ${runId} has no campaign metrics${from ? ` from round ${from}` : ''} (run the marketing scenario with rct, target-random or target-uplift)`)
  }
  const sum = (k: string) => rows.reduce((s, c) => s + (c[k] ?? 0), 0)
  const agents = run.config.agents
  const cost = sum('cost')
  const incRevenue = sum('inc_revenue')
  return {
    run: runId,
    policy: run.config.policy,
    rounds: rows.length,
    treated: Math.round(rows.reduce((s, c) => s + (c.treated_share ?? 0) * agents, 0)),
    cost,
    revenue: sum('revenue'),
    incConversions: sum('inc_conversions'),
    incRevenue,
    incConversionsRandom: sum('inc_conversions_random'),
    incConversionsOracle: sum('inc_conversions_oracle'),
    incConversionsOracleExpected: sum('inc_conversions_oracle_expected'),
    incRevenueRandom: sum('inc_revenue_random'),
    incRevenueOracle: sum('inc_revenue_oracle'),
    incRevenueOracleExpected: sum('inc_revenue_oracle_expected'),
    returnOnSpend: cost > 0 ? incRevenue / cost : 0,
  }
}
