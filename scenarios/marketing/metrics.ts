import type { MetricFn } from '../../src/core/index.ts'
import type { ShopperState, UpliftRecord } from '../../agents/users/shopper/index.ts'

const r4 = (x: number) => Math.round(x * 1e4) / 1e4

/** The round's uplift records, one per agent that had a campaign decision. */
function recordsOf(states: readonly ShopperState[], round: number): UpliftRecord[] {
  const out: UpliftRecord[] = []
  for (const s of states) {
    const rec = s.rounds.at(-1)
    if (rec && rec.r === round) out.push(rec)
  }
  return out
}

/** Outcome `j` (0 visit, 1 clicks, 2 conversion, 3 spend, 4 exposure) under arm 1 minus arm 0: the exact effect. */
export const iteOf = (r: UpliftRecord, j: number) => (r.a === 1 ? r.o[j]! - r.w[j]! : r.w[j]! - r.o[j]!)

/** Σ of the effects of the `n` users with the largest expected effect (ties: agent order). */
function topByExpected(rs: UpliftRecord[], j: number, e1: number, e0: number, n: number): number {
  const order = rs.map((r, i) => [r.e[e1]! - r.e[e0]!, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1])
  let s = 0
  for (let k = 0; k < n && k < order.length; k++) s += iteOf(rs[order[k]![1]]!, j)
  return s
}

/** Σ of the `n` largest values. */
function topSum(values: number[], n: number): number {
  const v = [...values].sort((a, b) => b - a)
  let s = 0
  for (let i = 0; i < n && i < v.length; i++) s += v[i]!
  return s
}

const perRound = (fn: (recs: UpliftRecord[]) => number): MetricFn<ShopperState> => (_rows, { round, states }) => {
  const recs = recordsOf(states, round)
  return recs.length ? r4(fn(recs)) : 0
}

/**
 * Campaign metrics of each round from the shoppers' uplift logs. Incremental figures use
 * the exact effects (each treated user's outcome minus its twin's), and the same round's
 * population gives the random and oracle targeting of the same number of users:
 * random = n_treated × mean effect, oracle = the n_treated largest effects (it knows the
 * draws too: an upper bound), oracle_expected = the effects of the n_treated users with the
 * largest expected effect (it knows the hidden truth, not the dice).
 */
export function marketingMetrics(): Record<string, MetricFn<ShopperState>> {
  return {
    treated_share: perRound((rs) => rs.filter((r) => r.a === 1).length / rs.length),
    visit_rate: perRound((rs) => rs.reduce((s, r) => s + r.o[0]!, 0) / rs.length),
    conversion_rate: perRound((rs) => rs.reduce((s, r) => s + r.o[2]!, 0) / rs.length),
    revenue: perRound((rs) => rs.reduce((s, r) => s + r.o[3]!, 0)),
    cost: perRound((rs) => rs.reduce((s, r) => s + r.c, 0)),
    ate_conversion: perRound((rs) => rs.reduce((s, r) => s + iteOf(r, 2), 0) / rs.length),
    inc_conversions: perRound((rs) => rs.filter((r) => r.a === 1).reduce((s, r) => s + iteOf(r, 2), 0)),
    inc_conversions_random: perRound((rs) => (rs.filter((r) => r.a === 1).length * rs.reduce((s, r) => s + iteOf(r, 2), 0)) / rs.length),
    inc_conversions_oracle: perRound((rs) => topSum(rs.map((r) => iteOf(r, 2)), rs.filter((r) => r.a === 1).length)),
    inc_conversions_oracle_expected: perRound((rs) => topByExpected(rs, 2, 3, 2, rs.filter((r) => r.a === 1).length)),
    inc_revenue: perRound((rs) => rs.filter((r) => r.a === 1).reduce((s, r) => s + iteOf(r, 3), 0)),
    inc_revenue_random: perRound((rs) => (rs.filter((r) => r.a === 1).length * rs.reduce((s, r) => s + iteOf(r, 3), 0)) / rs.length),
    inc_revenue_oracle: perRound((rs) => topSum(rs.map((r) => iteOf(r, 3)), rs.filter((r) => r.a === 1).length)),
    inc_revenue_oracle_expected: perRound((rs) => topByExpected(rs, 3, 5, 4, rs.filter((r) => r.a === 1).length)),
    return_on_spend: perRound((rs) => {
      const cost = rs.reduce((s, r) => s + r.c, 0)
      return cost > 0 ? rs.filter((r) => r.a === 1).reduce((s, r) => s + iteOf(r, 3), 0) / cost : 0
    }),
  }
}
