import { FUNNEL_CART, FUNNEL_ORDER, hasLeft, hasReturned, isPresent, searchAt, slateAt, type RowBatch } from '../core/index.ts'
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
  /** Items added to the cart, and ordered (e-commerce catalogs; 0 elsewhere). */
  carts: number
  orders: number
  /** Add-to-cart rate: carts per click. */
  cartRate: number
  /** Conversion: share of present agents who ordered at least one item. */
  conversion: number
  /** Gross merchandise value: the orders' prices summed, and per present agent. */
  gmv: number
  gmvPerUser: number
  /** Search requests (agents who searched this round), reformulations among them. */
  searches: number
  reformulations: number
  /** Reformulations per search request. */
  reformulationRate: number
  /** Share of search requests with no click on the result page. */
  badQueryRate: number
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
  let carts = 0, orders = 0, buyers = 0, gmv = 0, searches = 0, reformulations = 0, badQueries = 0
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
      let ordered = 0
      for (let c = lo; c < hi; c++) {
        if (b.ratings[c]! > 0) {
          ratingSum += b.ratings[c]!
          ratings++
        }
        if (b.funnel[c]! >= FUNNEL_CART) carts++
        if (b.funnel[c]! === FUNNEL_ORDER) ordered++
      }
      orders += ordered
      if (ordered > 0) buyers++
      gmv += b.gmv[k]!
      const search = searchAt(b, k)
      if (search) {
        searches++
        if (search.reformulation) reformulations++
        if (hi === lo) badQueries++
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
    carts,
    orders,
    cartRate: r6(mean(carts, clicks)),
    conversion: r6(mean(buyers, present)),
    gmv: Math.round(gmv * 100) / 100,
    gmvPerUser: r6(mean(gmv, present)),
    searches,
    reformulations,
    reformulationRate: r6(mean(reformulations, searches)),
    badQueryRate: r6(mean(badQueries, searches)),
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
  carts: number
  orders: number
  cartRate: number
  /** Share of agent-steps (present) that ordered something. */
  conversion: number
  gmv: number
  /** GMV per present agent-step. */
  gmvPerUser: number
  searches: number
  reformulationRate: number
  badQueryRate: number
  /** The scenario's own metrics at the last round (episode figures end there). */
  custom: Record<string, number>
}

export function summarizeRun(rounds: readonly RoundMetrics[], cumulativeCoverage: number, cumulativeGini: number): RunSummary {
  let present = 0, clicks = 0, impressions = 0, ratings = 0, ratingSum = 0, sat = 0, left = 0
  let ild = 0, nov = 0, ndcg = 0, ndcgN = 0, ret = 0, retN = 0
  let carts = 0, orders = 0, buyers = 0, gmv = 0, searches = 0, reformulations = 0, bad = 0
  for (const m of rounds) {
    // Rounds stored before the funnel existed have none of these fields.
    carts += m.carts ?? 0
    orders += m.orders ?? 0
    buyers += (m.conversion ?? 0) * m.present
    gmv += m.gmv ?? 0
    searches += m.searches ?? 0
    reformulations += m.reformulations ?? 0
    bad += (m.badQueryRate ?? 0) * (m.searches ?? 0)
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
    carts,
    orders,
    cartRate: r6(mean(carts, clicks)),
    conversion: r6(mean(buyers, present)),
    gmv: Math.round(gmv * 100) / 100,
    gmvPerUser: r6(mean(gmv, present)),
    searches,
    reformulationRate: r6(mean(reformulations, searches)),
    badQueryRate: r6(mean(bad, searches)),
    custom: { ...(rounds.at(-1)?.custom ?? {}) },
  }
}
