import type { ShardResult, TaskCallRecord } from '../core/index.ts'
import type { CommitHook, Db } from '../store/index.ts'

const stmtsByDb = new WeakMap<Db, ReturnType<typeof prepare>>()

function prepare(db: Db) {
  return {
    call: db.prepare(
      `INSERT INTO llm_calls (run_key, round, agent_id, task, call, outcome, model, endpoint, prompt_tokens, completion_tokens,
        latency_ms, attempts, repairs, error, prompt, input, output, concurrency_limit, cached_tokens, logprobs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      c.error ?? null, json(c.prompt), json(c.input), json(c.output), c.concurrencyLimit ?? null, c.cachedTokens ?? null, json(c.logprobs),
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
  /** Prompt tokens the server served from its prefix cache, over the calls that report it (null: none did). */
  cachedTokens: number | null
  /** cachedTokens ÷ the prompt tokens of the calls that report it. */
  cachedShare: number | null
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
        sum(cached_tokens) AS cachedTokens, sum(CASE WHEN cached_tokens IS NOT NULL THEN prompt_tokens END) AS reportingPrompt,
        sum(outcome = 'cached') AS cacheHits, coalesce(sum(repairs), 0) AS repairs, sum(outcome = 'repaired') AS repaired,
        sum(outcome = 'fallback') AS fallbacks, sum(outcome = 'error') AS errors, coalesce(sum(attempts), 0) AS attempts
       FROM llm_calls WHERE run_key = ? GROUP BY task ORDER BY task`,
    )
    .all(runKey) as Array<Omit<LlmTaskUsage, 'latencyMs' | 'cachedShare'> & { reportingPrompt: number | null }>
  if (!rows.length) return undefined
  const lat = db.prepare("SELECT latency_ms FROM llm_calls WHERE run_key = ? AND task = ? AND outcome <> 'cached' AND latency_ms IS NOT NULL ORDER BY latency_ms").pluck()
  return rows.map(({ reportingPrompt, ...r }) => {
    const l = lat.all(runKey, r.task) as number[]
    const cachedShare = r.cachedTokens === null || !reportingPrompt ? null : Math.round((r.cachedTokens / reportingPrompt) * 1000) / 1000
    return { ...r, cachedShare, latencyMs: { p50: quantile(l, 0.5), p95: quantile(l, 0.95), p99: quantile(l, 0.99) } }
  })
}

/** One endpoint's adaptive concurrency limit over one round (from the limit recorded with each answer). */
export interface LimitRound {
  round: number
  endpoint: string
  calls: number
  min: number
  median: number
  max: number
  /** The limit with the round's last answer. */
  last: number
}

/**
 * The adaptive limit's trajectory, per round and endpoint; undefined when the run's limits
 * were fixed (or it made no calls). `byModel`: a mixed-model run, where each model holds
 * its own limit on an endpoint they share: one row per endpoint and model.
 */
export function limitTrajectory(db: Db, runKey: number, byModel = false): LimitRound[] | undefined {
  // A database from before the column (read by `report` without migrating) has no trajectory.
  const cols = db.prepare("SELECT name FROM pragma_table_info('llm_calls')").pluck().all() as string[]
  if (!cols.includes('concurrency_limit')) return undefined
  const rows = db
    .prepare(
      `SELECT round, endpoint, model, concurrency_limit AS l FROM llm_calls
       WHERE run_key = ? AND concurrency_limit IS NOT NULL AND endpoint IS NOT NULL ORDER BY round, endpoint, model, rowid`,
    )
    .all(runKey) as Array<{ round: number; endpoint: string; model: string | null; l: number }>
  if (!rows.length) return undefined
  if (byModel) for (const r of rows) r.endpoint = `${r.endpoint} (${r.model ?? '?'})`
  const groups = new Map<string, { round: number; endpoint: string; ls: number[] }>()
  for (const r of rows) {
    const k = `${r.round}\n${r.endpoint}`
    let g = groups.get(k)
    if (!g) groups.set(k, (g = { round: r.round, endpoint: r.endpoint, ls: [] }))
    g.ls.push(r.l)
  }
  return [...groups.values()].map((g) => {
    const sorted = [...g.ls].sort((a, b) => a - b)
    return { round: g.round, endpoint: g.endpoint, calls: g.ls.length, min: sorted[0]!, median: quantile(sorted, 0.5), max: sorted.at(-1)!, last: g.ls.at(-1)! }
  })
}

/** One model's share of a run's LLM calls. */
export interface LlmModelUsage {
  model: string
  /** Agents whose calls went to this model. */
  agents: number
  calls: number
  promptTokens: number
  completionTokens: number
  cacheHits: number
  fallbacks: number
  errors: number
}

/** Calls and tokens per model; undefined when the run's calls went to fewer than two models. */
export function llmUsageByModel(db: Db, runKey: number): LlmModelUsage[] | undefined {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'llm_calls'").get()
  if (!has) return undefined
  const rows = db
    .prepare(
      `SELECT model, count(DISTINCT agent_id) AS agents, count(*) AS calls,
        coalesce(sum(prompt_tokens), 0) AS promptTokens, coalesce(sum(completion_tokens), 0) AS completionTokens,
        sum(outcome = 'cached') AS cacheHits, sum(outcome = 'fallback') AS fallbacks, sum(outcome = 'error') AS errors
       FROM llm_calls WHERE run_key = ? AND model IS NOT NULL GROUP BY model ORDER BY model`,
    )
    .all(runKey) as LlmModelUsage[]
  return rows.length > 1 ? rows : undefined
}
