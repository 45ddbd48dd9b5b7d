import type { ShardResult } from '../core/index.ts'
import type { CommitHook, Db } from '../store/index.ts'

/**
 * Tasks whose calls become dataset traces. Only these are written: the LLM layer may
 * log every call of every task, and the AILO tasks are not dataset material.
 */
export const TRACED_TASKS: ReadonlySet<string> = new Set(['parse-command', 'plan-tools', 'crs-turn', 'crs-user-turn', 'reflect-trial', 'rate-explanations', 'judge-explanations'])

/** One stored trace. */
export interface TaskTraceRow {
  round: number
  agent: number
  seq: number
  task: string
  outcome: string
  model: string | null
  input: unknown
  output: unknown
  /** Token log-probabilities of the output (null: not requested or not returned). */
  logprobs: number[] | null
}

/** Stores a shard's dataset traces with the shard's commit, so they count once like its events. */
export const tracesCommitHook: CommitHook = {
  name: 'task-traces',
  commit: (db, run, result) => writeTaskTraces(db, run.key, result),
}

/** Writes a shard's dataset traces (inside the commit transaction). */
export function writeTaskTraces(db: Db, runKey: number, result: ShardResult): void {
  const calls = result.calls.filter((c) => TRACED_TASKS.has(c.task) && c.input !== undefined && c.output !== undefined)
  if (!calls.length) return
  const ins = db.prepare(
    'INSERT OR REPLACE INTO task_traces (run_key, round, agent_id, seq, task, outcome, model, input, output, logprobs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  )
  const seq = new Map<string, number>()
  for (const c of calls) {
    const key = `${c.round}:${c.agent}`
    const n = seq.get(key) ?? 0
    seq.set(key, n + 1)
    ins.run(runKey, c.round, c.agent, n, c.task, c.outcome, c.model ?? null, JSON.stringify(c.input), JSON.stringify(c.output), c.logprobs ? JSON.stringify(c.logprobs.map((t) => t.logprob)) : null)
  }
}

/** Reads a run's traces of the given tasks, in (agent, round, seq) order. */
export function readTaskTraces(db: Db, runKey: number, tasks: readonly string[]): TaskTraceRow[] {
  if (!tasks.length) return []
  const rows = db
    .prepare(
      `SELECT round, agent_id, seq, task, outcome, model, input, output, logprobs FROM task_traces WHERE run_key = ? AND task IN (${tasks.map(() => '?').join(', ')}) ORDER BY agent_id, round, seq`,
    )
    .all(runKey, ...tasks) as { round: number; agent_id: number; seq: number; task: string; outcome: string; model: string | null; input: string; output: string; logprobs: string | null }[]
  return rows.map((r) => ({
    round: r.round,
    agent: r.agent_id,
    seq: r.seq,
    task: r.task,
    outcome: r.outcome,
    model: r.model,
    input: JSON.parse(r.input) as unknown,
    output: JSON.parse(r.output) as unknown,
    logprobs: r.logprobs === null ? null : (JSON.parse(r.logprobs) as number[]),
  }))
}

/** Dataset traces recorded per task (what `usersim show` lists). */
export function countTraces(db: Db, runKey: number): Record<string, number> {
  const rows = db.prepare('SELECT task, count(*) AS n FROM task_traces WHERE run_key = ? GROUP BY task ORDER BY task').all(runKey) as { task: string; n: number }[]
  return Object.fromEntries(rows.map((r) => [r.task, r.n]))
}
