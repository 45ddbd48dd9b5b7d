import type { CommitHook, Db } from '../store/index.ts'
import { emptyAudit, mergeAudit, type AuditSums } from './audit-tally.ts'

/** Stores each shard's hybrid tallies (`hybrid_audit`) with the shard's commit. */
export const hybridAuditCommitHook: CommitHook = {
  name: 'hybrid-audit',
  commit(db, run, result) {
    const tallies = result.extras?.hybrid
    if (!tallies) return
    const ins = db.prepare(
      'INSERT OR REPLACE INTO hybrid_audit (run_key, round, shard, task, model_calls, surrogate_calls, audit) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    for (const [task, t] of Object.entries(tallies)) ins.run(run.key, result.round, result.shard, task, t.modelCalls, t.surrogateCalls, JSON.stringify(t.audit))
  },
}

/** One round and task of a hybrid run, summed over its shards. */
export interface RoundTaskAudit {
  round: number
  task: string
  modelCalls: number
  surrogateCalls: number
  audit: AuditSums
}

/** The audit rows of a run per round and task (undefined when it was not a hybrid run). */
export function roundTaskAudits(db: Db, runKey: number): RoundTaskAudit[] | undefined {
  const rows = db
    .prepare('SELECT round, task, model_calls AS modelCalls, surrogate_calls AS surrogateCalls, audit FROM hybrid_audit WHERE run_key = ? ORDER BY round, task, shard')
    .all(runKey) as Array<{ round: number; task: string; modelCalls: number; surrogateCalls: number; audit: string }>
  if (!rows.length) return undefined
  const out = new Map<string, RoundTaskAudit>()
  for (const r of rows) {
    const k = `${r.round}\n${r.task}`
    let a = out.get(k)
    if (!a) out.set(k, (a = { round: r.round, task: r.task, modelCalls: 0, surrogateCalls: 0, audit: emptyAudit() }))
    a.modelCalls += r.modelCalls
    a.surrogateCalls += r.surrogateCalls
    mergeAudit(a.audit, JSON.parse(r.audit) as AuditSums)
  }
  return [...out.values()]
}

/** Model tokens and answered calls per round and task (from `llm_calls`). */
export function modelUsageByRound(db: Db, runKey: number): Array<{ round: number; task: string; model: string; calls: number; promptTokens: number; completionTokens: number }> {
  return db
    .prepare(
      `SELECT round, task, coalesce(model, '') AS model, count(*) AS calls, coalesce(sum(prompt_tokens), 0) AS promptTokens, coalesce(sum(completion_tokens), 0) AS completionTokens
       FROM llm_calls WHERE run_key = ? GROUP BY round, task, model ORDER BY round, task`,
    )
    .all(runKey) as Array<{ round: number; task: string; model: string; calls: number; promptTokens: number; completionTokens: number }>
}

/** What a present agent did in one round, as the group comparison needs it. */
export interface AgentRoundRow {
  round: number
  agent: number
  shown: number
  clicks: number
  satisfaction: number
  left: number
}

// Id lists are stored comma-separated.
const count = (col: string) => `CASE WHEN ${col} = '' THEN 0 ELSE length(${col}) - length(replace(${col}, ',', '')) + 1 END`

/** Present agents' rows of a run, round by round (for metrics of the model-backed sample against the rest). */
export function presentRows(db: Db, runKey: number): AgentRoundRow[] {
  return db
    .prepare(
      `SELECT round, agent_id AS agent, ${count('slate')} AS shown, ${count('clicks')} AS clicks, satisfaction, left_session AS left
       FROM events WHERE run_key = ? AND present = 1 ORDER BY round, agent_id`,
    )
    .all(runKey) as AgentRoundRow[]
}
