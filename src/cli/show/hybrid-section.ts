import { hybridSummary, type HybridSummary } from '../../distill/hybrid-summary.ts'
import type { Estimate } from '../../distill/audit-tally.ts'
import { formatNumber, formatTable } from '../output/table.ts'
import type { ShowSection } from './section.ts'

const ci = (e: Estimate | null) => (e ? `${formatNumber(e.mean)} [${formatNumber(e.lo)}, ${formatNumber(e.hi)}]` : '–')
const num = (x: number | null | undefined) => (x === null || x === undefined ? Number.NaN : x)

/** Renders a hybrid run's split, shadow audit, cost projection and warnings. */
export function renderHybrid(h: HybridSummary): string {
  const head = [
    h.modelShare !== null ? `model share ${h.modelShare} (${h.modelAgents ?? 'all'} agents over ${h.strata ?? '?'} persona clusters)` : 'no --model-share',
    h.profile ? `surrogate profile ${h.profile.hash.slice(0, 12)} (distilled from ${h.profile.sourceRun})` : 'default surrogate (no profile)',
  ].join('; ')
  if (h.cost.total.modelCalls === 0 && h.audit.every((a) => a.modelCalls === 0)) {
    const calls = h.audit.reduce((n, a) => n + a.surrogateCalls, 0)
    return `${head}\nevery agent on the surrogate: ${calls.toLocaleString('en-US')} calls, no model calls to audit against`
  }
  const audit = formatTable(
    ['round', 'task', 'model calls', 'surrogate calls', 'click F1 [95% CI]', 'leave agree [95% CI]', 'rating RMSE', 'satisf. W1'],
    h.audit.map((a) => [a.round, a.task, a.modelCalls, a.surrogateCalls, ci(a.clickF1), ci(a.leaveAgreement), num(a.ratingRmse?.mean), num(a.satisfactionW1)]),
  )
  const money = h.cost.total.money !== undefined
  const cost = formatTable(
    ['round', 'model calls', 'tokens', 'calls at share 1', 'tokens at share 1', 'token share', ...(money ? ['cost', 'cost at share 1'] : [])],
    [...h.cost.rounds.map((c) => ({ ...c, label: c.round as number | string })), { ...h.cost.total, label: 'all' }].map((c) => [
      c.label, c.modelCalls, c.tokens, c.projectedCalls, c.projectedTokens, num(c.tokenShare), ...(money ? [num(c.money), num(c.projectedMoney)] : []),
    ]),
  )
  const parts = [head, '', 'shadow audit (surrogate vs model on the model-backed agents\' inputs)', audit, '', 'cost (projected against every agent on the model)', cost]
  if (h.byRound.length) {
    parts.push('', 'per round: model-backed sample | surrogate-backed agents', formatTable(
      ['round', 'agents', 'CTR', 'satisf.', 'leave', '| agents', 'CTR', 'satisf.', 'leave'],
      h.byRound.map((r) => [r.round, r.model.agents, r.model.ctr, r.model.satisfaction, r.model.leaveRate, r.surrogate.agents, r.surrogate.ctr, r.surrogate.satisfaction, r.surrogate.leaveRate]),
    ))
  }
  if (h.groups.length) {
    parts.push('', 'model-backed sample vs surrogate-backed agents (all rounds)', formatTable(['metric', 'model-backed [95% CI]', 'surrogate-backed [95% CI]', 'differ'], h.groups.map((g) => [g.metric, ci(g.model), ci(g.surrogate), g.differs ? 'YES' : 'no'])))
  }
  if (h.refits.length) {
    const f1 = (x: unknown) => num((x as { clickF1?: number | null } | undefined)?.clickF1)
    const leave = (x: unknown) => num((x as { leaveAgreement?: number | null } | undefined)?.leaveAgreement)
    parts.push('', 'continuous distillation (profile refitted after the round; agreement on held-out calls so far, old → new profile)', formatTable(
      ['after round', 'new profile', 'click F1 old', 'click F1 new', 'leave old', 'leave new', 'why'],
      h.refits.map((r) => [r.round, r.newHash.slice(0, 12), f1(r.figures['evaluate-slate']?.before), f1(r.figures['evaluate-slate']?.after), leave(r.figures['decide-continue']?.before), leave(r.figures['decide-continue']?.after), r.reason]),
    ))
  }
  if (h.warnings.length) parts.push('', ...h.warnings.map((w) => `! ${w}`))
  return parts.join('\n')
}

/** The `usersim show` section of a hybrid or profiled run. */
export const hybridSection: ShowSection = {
  title: 'Hybrid run',
  key: 'hybrid',
  collect: (store, runId) => hybridSummary(store.db, store.runKey(runId), store.getRun(runId).config.hybrid),
  render: (d) => renderHybrid(d as HybridSummary),
}
