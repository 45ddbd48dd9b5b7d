import type { ShardResult, TaskCallRecord } from '../core/index.ts'
import type { CommitHook, Db } from '../store/index.ts'

const stmtsByDb = new WeakMap<Db, ReturnType<typeof prepare>>()

function prepare(db: Db) {
  return {
    call: db.prepare(
      `INSERT INTO llm_calls (run_key, round, agent_id, task, call, outcome, model, endpoint, prompt_tokens, completion_tokens,
        latency_ms, attempts, repairs, error, prompt, input, output, concurrency_limit, cached_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    cache: db.prepare('INSERT OR IGNORE INTO llm_cache (key, model, task, output, created_at) VALUES (?, ?, ?, ?, ?)'),
  }
}

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v))

/**
 * Stores a shard's model calls (`llm_calls`) and its cacheable answers (`llm_cache`)
 * with the shard's commit, so the records count exactly once with the shard.
 */
export const llmCallsCommitHook: CommitHook = {
  name: 'llm-calls',
  commit: (db, run, result) => insertLlmCalls(db, run.key, result),
}

/** Writes a shard's LLM call records and its cacheable answers (inside the commit transaction). */
export function insertLlmCalls(db: Db, runKey: number, result: Pick<ShardResult, 'calls'>): void {
  const calls: readonly TaskCallRecord[] = result.calls ?? []
  if (!calls.length) return
  let s = stmtsByDb.get(db)
  if (!s) stmtsByDb.set(db, (s = prepare(db)))
  const now = new Date().toISOString()
  for (const c of calls) {
    // Surrogate traces (dataset tasks) belong to task_traces, not to the LLM accounting.
    if (c.outcome === 'surrogate') continue
    s.call.run(
      runKey, c.round, c.agent, c.task, c.call ?? 0, c.outcome, c.model ?? null, c.endpoint ?? null,
      c.promptTokens ?? null, c.completionTokens ?? null, c.latencyMs ?? null, c.attempts ?? null, c.repairs ?? null,
      c.error ?? null, json(c.prompt), json(c.input), json(c.output), c.concurrencyLimit ?? null, c.cachedTokens ?? null,
    )
    if (c.cache) s.cache.run(c.cache.key, c.cache.model, c.task, JSON.stringify(c.cache.output), now)
  }
}

/** Per-task LLM usage of a run, as `usersim show` reports it. */
export interface LlmTaskUsage {
  task: string
  calls: number
  modelCalls: number
  promptTokens: number
  completionTokens: number
  cacheHits: number
  repairs: number
  repaired: number
  fallbacks: number
  errors: number
  attempts: number
  latencyMs: { p50: number; p95: number; p99: number }
}

function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

/** Usage per task, or undefined when the run made no LLM calls (or the database predates the table). */
export function llmUsage(db: Db, runKey: number): LlmTaskUsage[] | undefined {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'llm_calls'").get()
  if (!has) return undefined
  const rows = db
    .prepare(
      `SELECT task, count(*) AS calls,
        sum(outcome IN ('ok', 'repaired', 'fallback')) AS modelCalls,
        coalesce(sum(prompt_tokens), 0) AS promptTokens, coalesce(sum(completion_tokens), 0) AS completionTokens,
        sum(outcome = 'cached') AS cacheHits, coalesce(sum(repairs), 0) AS repairs, sum(outcome = 'repaired') AS repaired,
        sum(outcome = 'fallback') AS fallbacks, sum(outcome = 'error') AS errors, coalesce(sum(attempts), 0) AS attempts
       FROM llm_calls WHERE run_key = ? GROUP BY task ORDER BY task`,
    )
    .all(runKey) as Omit<LlmTaskUsage, 'latencyMs'>[]
  if (!rows.length) return undefined
  const lat = db.prepare("SELECT latency_ms FROM llm_calls WHERE run_key = ? AND task = ? AND outcome <> 'cached' AND latency_ms IS NOT NULL ORDER BY latency_ms").pluck()
  return rows.map((r) => {
    const l = lat.all(runKey, r.task) as number[]
    return { ...r, latencyMs: { p50: quantile(l, 0.5), p95: quantile(l, 0.95), p99: quantile(l, 0.99) } }
  })
}
