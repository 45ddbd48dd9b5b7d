import type { ShardResult, TaskCallRecord } from '../core/index.ts'
import type { CommitHook, Db } from '../store/index.ts'
import type { CorrectionRecord } from './correction-record.ts'
import type { GuardTrip } from './guards.ts'

const statements = new WeakMap<Db, ReturnType<typeof prepare>>()

function prepare(db: Db) {
  return db.prepare(
    'INSERT INTO corrections (run_id, round, agent_id, task, layer, kind, problem, critique, input, prompt, before, after, attempts, fixed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  )
}

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v))

/**
 * Stores a shard's corrections with the shard's commit: the agent layer's (critics, judge)
 * from `result.extras.corrections`, and the output layer's from the LLM layer's call
 * records (outcome `repaired`). They count once with the shard they belong to.
 */
export const correctionsCommitHook: CommitHook = {
  name: 'corrections',
  commit: (db, run, result) => recordCorrections(db, run.id, result),
}

export function recordCorrections(db: Db, runId: string, result: ShardResult): void {
  const list: CorrectionRecord[] = [...(result.extras?.corrections ?? [])]
  for (const c of result.calls) if (c.outcome === 'repaired') list.push(outputCorrection(c))
  if (!list.length) return
  let ins = statements.get(db)
  if (!ins) statements.set(db, (ins = prepare(db)))
  for (const c of list) {
    ins.run(runId, c.round, c.agent, c.task, c.layer, c.kind, c.problem, c.critique, json(c.input), json(c.prompt), json(c.before), json(c.after), c.attempts, c.fixed ? 1 : 0)
  }
}

/**
 * The LLM layer's schema repair as a correction. Its logged conversation is the prompt,
 * then each invalid answer and the validation error sent back: the first answer is the
 * "before", the output kept the "after" (without prompt logging only the after is known).
 */
function outputCorrection(c: TaskCallRecord): CorrectionRecord {
  const conv = c.prompt ?? []
  const at = conv.findIndex((m) => m.role === 'assistant')
  const bad = at >= 0 ? conv[at]!.content : undefined
  const feedback = at >= 0 ? conv[at + 1]?.content : undefined
  return {
    round: c.round,
    agent: c.agent,
    task: c.task,
    layer: 'output',
    kind: 'schema-repair',
    problem: c.error ?? `the answer failed schema validation${c.repairs ? ` (${c.repairs} repair(s))` : ''}`,
    critique: feedback ?? 'Your answer did not match the required JSON.',
    input: c.input,
    prompt: at >= 0 ? conv.slice(0, at) : c.prompt,
    before: bad === undefined ? null : tryJson(bad),
    after: c.output ?? null,
    attempts: c.repairs ?? 1,
    fixed: true,
  }
}

function tryJson(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return s
  }
}

/** A run's stored corrections, in (round, agent) order, as rows of the corrections table. */
export interface CorrectionRow {
  id: number
  round: number
  agent_id: number
  task: string
  layer: string
  kind: string
  problem: string
  critique: string
  input: string | null
  prompt: string | null
  before: string | null
  after: string | null
  attempts: number
  fixed: number
}

export function listCorrections(db: Db, runId: string): CorrectionRow[] {
  return db.prepare('SELECT * FROM corrections WHERE run_id = ? ORDER BY round, agent_id, id').all(runId) as CorrectionRow[]
}

/** Corrections counted by layer, kind and task (what `usersim show` prints). */
export interface CorrectionCount {
  layer: string
  kind: string
  task: string
  count: number
  fixed: number
  attempts: number
}

export function countCorrections(db: Db, runId: string): CorrectionCount[] {
  return db
    .prepare('SELECT layer, kind, task, count(*) AS count, sum(fixed) AS fixed, sum(attempts) AS attempts FROM corrections WHERE run_id = ? GROUP BY layer, kind, task ORDER BY layer, kind, task')
    .all(runId) as CorrectionCount[]
}

export function recordIntervention(db: Db, runId: string, round: number, trip: GuardTrip, action: string): void {
  db.prepare('INSERT INTO interventions (run_id, round, guard, detail, action, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    runId,
    round,
    trip.guard,
    JSON.stringify(trip.detail),
    action,
    new Date().toISOString(),
  )
}

export interface InterventionRecord {
  round: number
  guard: string
  detail: Record<string, unknown>
  action: string
  createdAt: string
}

export function listInterventions(db: Db, runId: string): InterventionRecord[] {
  return (db.prepare('SELECT round, guard, detail, action, created_at FROM interventions WHERE run_id = ? ORDER BY id').all(runId) as Record<string, unknown>[]).map((r) => ({
    round: r.round as number,
    guard: r.guard as string,
    detail: JSON.parse(r.detail as string) as Record<string, unknown>,
    action: r.action as string,
    createdAt: r.created_at as string,
  }))
}
