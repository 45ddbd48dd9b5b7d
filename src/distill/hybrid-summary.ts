import type { HybridSettings } from '../config/index.ts'
import type { Db } from '../store/index.ts'
import { modelUsageByRound, presentRows, roundTaskAudits } from './audit-repo.ts'
import { profileRefits, type ProfileRefit } from './samples-repo.ts'
import { estimate, histogramW1, rmsEstimate, type Estimate, type Moments } from './audit-tally.ts'

/** Mean agreement below this (over at least 30 calls) marks a round and task as out of band. */
export const AUDIT_BAND = 0.8

/** A group difference smaller than this share of the model-backed figure is not reported, however certain. */
export const MIN_EFFECT = 0.05

export interface AuditRow {
  round: number
  task: string
  modelCalls: number
  surrogateCalls: number
  clickF1: Estimate | null
  leaveAgreement: Estimate | null
  ratingRmse: Estimate | null
  /** Surrogate minus model satisfaction on the same input. */
  satisfactionGap: Estimate | null
  satisfactionW1: number | null
}

export interface CostRow {
  round: number
  modelCalls: number
  tokens: number
  /** The same round with every agent on the model (tokens per model call × all calls, per task). */
  projectedCalls: number
  projectedTokens: number
  /** tokens / projectedTokens. */
  tokenShare: number | null
  money?: number
  projectedMoney?: number
}

export interface GroupRow {
  metric: 'ctr' | 'satisfaction' | 'leaveRate'
  model: Estimate | null
  surrogate: Estimate | null
  /** The two groups differ beyond their 95 % intervals and by at least MIN_EFFECT: conclusions drawn from the surrogate agents may not hold. */
  differs: boolean
}

/** One round's metrics of the model-backed sample and of the surrogate-backed agents (present agents). */
export interface SampleRound {
  round: number
  model: { agents: number; ctr: number; satisfaction: number; leaveRate: number }
  surrogate: { agents: number; ctr: number; satisfaction: number; leaveRate: number }
}

export interface HybridSummary {
  modelShare: number | null
  modelAgents: number | null
  strata: number | null
  profile: { hash: string; sourceRun: string } | null
  audit: AuditRow[]
  cost: { rounds: CostRow[]; total: Omit<CostRow, 'round'> }
  groups: GroupRow[]
  /** The same metrics per round, for the model-backed sample and the rest. */
  byRound: SampleRound[]
  /** Continuous distillation: the profile refitted after these rounds (`--redistill`). */
  refits: ProfileRefit[]
  warnings: string[]
}

function moments(xs: readonly number[]): Moments {
  let s = 0
  let ss = 0
  for (const x of xs) {
    s += x
    ss += x * x
  }
  return [s, ss, xs.length]
}

/** Everything `show`, the report and the JSON say about a hybrid run (undefined for other runs). */
export function hybridSummary(db: Db, runKey: number, hybrid: HybridSettings | undefined): HybridSummary | undefined {
  if (!hybrid) return undefined
  const audits = roundTaskAudits(db, runKey) ?? []
  const audit: AuditRow[] = audits.map((a) => ({
    round: a.round,
    task: a.task,
    modelCalls: a.modelCalls,
    surrogateCalls: a.surrogateCalls,
    clickF1: estimate(a.audit.clickF1),
    leaveAgreement: estimate(a.audit.leaveAgree),
    ratingRmse: rmsEstimate(a.audit.ratingError),
    satisfactionGap: estimate(a.audit.satisfactionGap),
    satisfactionW1: histogramW1(a.audit.satisfactionModel, a.audit.satisfactionSurrogate),
  }))

  // Cost: tokens per model call of each task (that round's, else the run's), times all calls.
  const usage = modelUsageByRound(db, runKey)
  const perTask = new Map<string, { calls: number; p: number; c: number }>()
  for (const u of usage) {
    const t = perTask.get(u.task) ?? { calls: 0, p: 0, c: 0 }
    perTask.set(u.task, { calls: t.calls + u.calls, p: t.p + u.promptTokens, c: t.c + u.completionTokens })
  }
  const price = (model: string) => hybrid.prices[model]
  const priced = Object.keys(hybrid.prices).length > 0
  const rounds = new Map<number, CostRow>()
  const row = (r: number) => {
    let c = rounds.get(r)
    if (!c) rounds.set(r, (c = { round: r, modelCalls: 0, tokens: 0, projectedCalls: 0, projectedTokens: 0, tokenShare: null, ...(priced ? { money: 0, projectedMoney: 0 } : {}) }))
    return c
  }
  for (const u of usage) {
    const c = row(u.round)
    c.modelCalls += u.calls
    c.tokens += u.promptTokens + u.completionTokens
    const pr = price(u.model)
    if (pr && c.money !== undefined) c.money += (u.promptTokens * pr.input + u.completionTokens * pr.output) / 1e6
  }
  const modelOf = new Map(usage.map((u) => [u.task, u.model]))
  for (const a of audits) {
    const c = row(a.round)
    const all = a.modelCalls + a.surrogateCalls
    c.projectedCalls += all
    const t = perTask.get(a.task)
    if (!t?.calls) continue
    c.projectedTokens += ((t.p + t.c) / t.calls) * all
    const pr = price(modelOf.get(a.task) ?? '')
    if (pr && c.projectedMoney !== undefined) c.projectedMoney += ((t.p * pr.input + t.c * pr.output) / 1e6 / t.calls) * all
  }
  const costRows = [...rounds.values()].sort((x, y) => x.round - y.round)
  for (const c of costRows) c.tokenShare = c.projectedTokens ? c.tokens / c.projectedTokens : null
  const sum = (k: 'modelCalls' | 'tokens' | 'projectedCalls' | 'projectedTokens' | 'money' | 'projectedMoney') => costRows.reduce((s, c) => s + (c[k] ?? 0), 0)
  const total: Omit<CostRow, 'round'> = {
    modelCalls: sum('modelCalls'),
    tokens: sum('tokens'),
    projectedCalls: sum('projectedCalls'),
    projectedTokens: Math.round(sum('projectedTokens')),
    tokenShare: sum('projectedTokens') ? sum('tokens') / sum('projectedTokens') : null,
    ...(priced ? { money: sum('money'), projectedMoney: sum('projectedMoney') } : {}),
  }
  for (const c of costRows) c.projectedTokens = Math.round(c.projectedTokens)

  // The model-backed sample against the surrogate-backed agents, pooled over rounds.
  const groups: GroupRow[] = []
  const byRound: SampleRound[] = []
  if (hybrid.modelAgents) {
    const inSample = new Set(hybrid.modelAgents)
    const vals = { model: { ctr: [] as number[], satisfaction: [] as number[], leaveRate: [] as number[] }, surrogate: { ctr: [] as number[], satisfaction: [] as number[], leaveRate: [] as number[] } }
    type Acc = { agents: number; ctr: number; satisfaction: number; leaveRate: number }
    const zero = (): Acc => ({ agents: 0, ctr: 0, satisfaction: 0, leaveRate: 0 })
    const perRound = new Map<number, { model: Acc; surrogate: Acc }>()
    for (const r of presentRows(db, runKey)) {
      let pr = perRound.get(r.round)
      if (!pr) perRound.set(r.round, (pr = { model: zero(), surrogate: zero() }))
      const acc = inSample.has(r.agent) ? pr.model : pr.surrogate
      acc.agents++
      acc.ctr += r.shown ? r.clicks / r.shown : 0
      acc.satisfaction += r.satisfaction
      acc.leaveRate += r.left
      const g = inSample.has(r.agent) ? vals.model : vals.surrogate
      g.ctr.push(r.shown ? r.clicks / r.shown : 0)
      g.satisfaction.push(r.satisfaction)
      g.leaveRate.push(r.left)
    }
    const mean = (a: Acc) => {
      const d = Math.max(1, a.agents)
      const r = (x: number) => Math.round((x / d) * 1e4) / 1e4
      return { agents: a.agents, ctr: r(a.ctr), satisfaction: r(a.satisfaction), leaveRate: r(a.leaveRate) }
    }
    for (const [round, pr] of [...perRound].sort((x, y) => x[0] - y[0])) byRound.push({ round, model: mean(pr.model), surrogate: mean(pr.surrogate) })
    for (const metric of ['ctr', 'satisfaction', 'leaveRate'] as const) {
      const m = estimate(moments(vals.model[metric]))
      const s = estimate(moments(vals.surrogate[metric]))
      // Different conclusions: beyond both intervals, and by at least MIN_EFFECT of the model-backed figure.
      const gap = m && s ? Math.abs(m.mean - s.mean) : 0
      const differs = !!m && !!s && s.n > 0 && gap > Math.hypot(m.hi - m.mean, s.hi - s.mean) && gap >= MIN_EFFECT * Math.max(Math.abs(m.mean), 1e-9)
      groups.push({ metric, model: m, surrogate: s, differs })
    }
  }

  const warnings: string[] = []
  if (!hybrid.profile) warnings.push('no --surrogate-profile: the surrogate-backed agents ran on the default surrogate')
  for (const a of audit) {
    for (const [name, e] of [['click F1', a.clickF1], ['leave agreement', a.leaveAgreement]] as const) {
      if (e && e.n >= 30 && e.mean < AUDIT_BAND) {
        const sure = e.hi < AUDIT_BAND ? 'significantly ' : ''
        warnings.push(`round ${a.round}, ${a.task}: ${name} ${e.mean} [${e.lo}, ${e.hi}] is ${sure}below the band (${AUDIT_BAND}): the surrogate drifts from the model here`)
      }
    }
  }
  for (const g of groups) {
    if (g.differs && g.model && g.surrogate) {
      warnings.push(`${g.metric}: the model-backed sample (${g.model.mean}) and the surrogate-backed agents (${g.surrogate.mean}) differ beyond their intervals: a conclusion from the whole population may not hold on the model`)
    }
  }
  return {
    modelShare: hybrid.modelShare ?? null,
    modelAgents: hybrid.modelAgents?.length ?? null,
    strata: hybrid.strata ?? null,
    profile: hybrid.profile ? { hash: hybrid.profile.hash, sourceRun: hybrid.profile.sourceRun } : null,
    audit,
    cost: { rounds: costRows, total },
    groups,
    byRound,
    refits: profileRefits(db, runKey),
    warnings,
  }
}
