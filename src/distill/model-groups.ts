import type { LlmSettings } from '../llm/settings.ts'
import { modelOfUnassigned } from '../llm/agent-models.ts'
import type { Db } from '../store/index.ts'
import { presentRows } from './audit-repo.ts'

/** One round's metrics of the agents assigned to one model (present agents). */
export interface ModelGroupRound {
  /** null: all rounds pooled. */
  round: number | null
  model: string
  agents: number
  ctr: number
  satisfaction: number
  leaveRate: number
}

/**
 * A mixed-model run's metrics per round and model group (from its events and the stored
 * assignment), then pooled over rounds; undefined for runs with one model.
 */
export function modelGroupMetrics(db: Db, runKey: number, llm: LlmSettings | undefined): ModelGroupRound[] | undefined {
  if (llm?.backend !== 'openai' || !llm.agentModels) return undefined
  const { models, assignment } = llm.agentModels
  const seed = llm.seed ?? 0
  type Acc = { agents: number; ctr: number; satisfaction: number; leaveRate: number }
  const groups = new Map<string, Acc & { round: number | null; model: number }>()
  const add = (round: number | null, model: number, r: { shown: number; clicks: number; satisfaction: number; left: number }) => {
    const k = `${round}\n${model}`
    let g = groups.get(k)
    if (!g) groups.set(k, (g = { round, model, agents: 0, ctr: 0, satisfaction: 0, leaveRate: 0 }))
    g.agents++
    g.ctr += r.shown ? r.clicks / r.shown : 0
    g.satisfaction += r.satisfaction
    g.leaveRate += r.left
  }
  for (const r of presentRows(db, runKey)) {
    const m = assignment?.[r.agent] ?? modelOfUnassigned(r.agent, models, seed)
    add(r.round, m, r)
    add(null, m, r)
  }
  if (!groups.size) return undefined
  const mean = (x: number, n: number) => Math.round((x / Math.max(1, n)) * 1e4) / 1e4
  return [...groups.values()]
    .sort((a, b) => (a.round ?? Infinity) - (b.round ?? Infinity) || a.model - b.model)
    .map((g) => ({ round: g.round, model: models[g.model]?.model ?? String(g.model), agents: g.agents, ctr: mean(g.ctr, g.agents), satisfaction: mean(g.satisfaction, g.agents), leaveRate: mean(g.leaveRate, g.agents) }))
}
