import { hasLeft, hasReturned, isPresent, slateAt, type RowBatch } from '../core/index.ts'
import { gini } from './gini.ts'

/** Per-round metrics of a run. Sums run in agent order, so any sharding gives the same figures. */
export interface RoundMetrics {
  round: number
  agents: number
  present: number
  impressions: number
  clicks: number
  ctr: number
  ratings: number
  meanRating: number
  satisfaction: number
  /** Share of present agents whose satisfaction falls in [0,.2), [.2,.4), …, [.8,1]. */
  satisfactionHist: number[]
  leaveRate: number
  /** Share of agents absent last round (having left) who came back this round. */
  returnRate: number
  coverage: number
  ild: number
  gini: number
  novelty: number
  ndcg: number
  ndcgSampled: number
  violations: number
  utterances: number
  errors: number
  custom: Record<string, number>
}

const mean = (s: number, n: number) => (n > 0 ? s / n : 0)
const r6 = (x: number) => Math.round(x * 1e6) / 1e6

export function computeRoundMetrics(
  batches: readonly RowBatch[],
  ctx: { round: number; catalogSize: number; awayBefore: number; errors?: number; custom?: Record<string, number> },
): RoundMetrics {
  const exposure = new Float64Array(ctx.catalogSize)
  let agents = 0, present = 0, impressions = 0, clicks = 0, ratings = 0, ratingSum = 0, sat = 0, left = 0, returned = 0
  let ild = 0, nov = 0, ndcg = 0, ndcgN = 0, violations = 0, utterances = 0
  const hist = [0, 0, 0, 0, 0]
  for (const b of batches) {
    agents += b.count
    utterances += b.utterances.length
    for (let k = 0; k < b.count; k++) {
      if (!isPresent(b, k)) continue
      present++
      const slate = slateAt(b, k)
      impressions += slate.length
      for (const i of slate) exposure[i]! += 1
      const lo = b.clickOffsets[k]!
      const hi = b.clickOffsets[k + 1]!
      clicks += hi - lo
      for (let c = lo; c < hi; c++) {
        if (b.ratings[c]! > 0) {
          ratingSum += b.ratings[c]!
          ratings++
        }
      }
      const s = b.satisfaction[k]!
      sat += s
      hist[Math.min(4, Math.max(0, Math.floor(s * 5)))]! += 1
      if (hasLeft(b, k)) left++
      if (hasReturned(b, k)) returned++
      ild += b.ild[k]!
      nov += b.novelty[k]!
      if (!Number.isNaN(b.ndcg[k]!)) {
        ndcg += b.ndcg[k]!
        ndcgN++
      }
      violations += b.violations[k]!
    }
  }
  let covered = 0
  for (const e of exposure) if (e > 0) covered++
  return {
    round: ctx.round,
    agents,
    present,
    impressions,
    clicks,
    ctr: r6(mean(clicks, impressions)),
    ratings,
    meanRating: r6(mean(ratingSum, ratings)),
    satisfaction: r6(mean(sat, present)),
    satisfactionHist: hist.map((h) => r6(mean(h, present))),
    leaveRate: r6(mean(left, present)),
    returnRate: r6(mean(returned, ctx.awayBefore)),
    coverage: r6(mean(covered, ctx.catalogSize)),
    ild: r6(mean(ild, present)),
    gini: r6(gini(exposure)),
    novelty: r6(mean(nov, present)),
    ndcg: r6(mean(ndcg, ndcgN)),
    ndcgSampled: ndcgN,
    violations,
    utterances,
    errors: ctx.errors ?? 0,
    custom: ctx.custom ?? {},
  }
}

/** Run-level summary: means over rounds weighted by presence, plus totals. */
export interface RunSummary {
  rounds: number
  agentSteps: number
  clicks: number
  impressions: number
  ctr: number
  meanRating: number
  satisfaction: number
  finalSatisfaction: number
  leaveRate: number
  returnRate: number
  coverage: number
  gini: number
  ild: number
  novelty: number
  ndcg: number
  /** Agent-steps that threw (their rows count as present with no clicks). */
  agentErrors: number
  /** The scenario's own metrics at the last round (episode figures end there). */
  custom: Record<string, number>
}

export function summarizeRun(rounds: readonly RoundMetrics[], cumulativeCoverage: number, cumulativeGini: number): RunSummary {
  let present = 0, clicks = 0, impressions = 0, ratings = 0, ratingSum = 0, sat = 0, left = 0
  let ild = 0, nov = 0, ndcg = 0, ndcgN = 0, ret = 0, retN = 0
  for (const m of rounds) {
    present += m.present
    clicks += m.clicks
    impressions += m.impressions
    ratings += m.ratings
    ratingSum += m.meanRating * m.ratings
    sat += m.satisfaction * m.present
    left += m.leaveRate * m.present
    ild += m.ild * m.present
    nov += m.novelty * m.present
    ndcg += m.ndcg * m.ndcgSampled
    ndcgN += m.ndcgSampled
    if (m.round > 0) {
      ret += m.returnRate
      retN++
    }
  }
  return {
    rounds: rounds.length,
    agentSteps: rounds.reduce((s, m) => s + m.agents, 0),
    clicks,
    impressions,
    ctr: r6(mean(clicks, impressions)),
    meanRating: r6(mean(ratingSum, ratings)),
    satisfaction: r6(mean(sat, present)),
    finalSatisfaction: rounds.at(-1)?.satisfaction ?? 0,
    leaveRate: r6(mean(left, present)),
    returnRate: r6(mean(ret, retN)),
    coverage: r6(cumulativeCoverage),
    gini: r6(cumulativeGini),
    ild: r6(mean(ild, present)),
    novelty: r6(mean(nov, present)),
    ndcg: r6(mean(ndcg, ndcgN)),
    agentErrors: rounds.reduce((s, m) => s + (m.errors ?? 0), 0),
    custom: { ...(rounds.at(-1)?.custom ?? {}) },
  }
}
