import type { Db } from '../store/index.ts'

/**
 * Sections drawn from tables other features add (LLM calls in migration 002, corrections
 * and interventions in 003). Their exact columns belong to those features, so the report
 * looks the columns up at run time and uses the ones it recognises; a missing table, a
 * table without a run column, or one with no rows for the run gives no section.
 */

export function tableColumns(db: Db, table: string): string[] {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table)
  if (!exists) return []
  return (db.prepare(`PRAGMA table_info(${quoteIdent(table)})`).all() as { name: string }[]).map((c) => c.name)
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

function pick(columns: readonly string[], candidates: readonly string[]): string | undefined {
  return candidates.find((c) => columns.includes(c))
}

/** How a feature table names the run: by id (text) or by the integer key. */
function runFilter(columns: readonly string[], runId: string, runKey: number): { where: string; arg: string | number } | undefined {
  if (columns.includes('run_id')) return { where: 'run_id = ?', arg: runId }
  if (columns.includes('run_key')) return { where: 'run_key = ?', arg: runKey }
  return undefined
}

/** LLM usage of one task. Fields the table does not record are null. */
export interface LlmTaskUsage {
  task: string
  calls: number
  promptTokens: number | null
  completionTokens: number | null
  costUsd: number | null
  meanLatencyMs: number | null
  /** Calls by outcome (ok, repaired, fallback, error, cached), where recorded. */
  outcomes: Record<string, number>
}

export function llmUsage(db: Db, runId: string, runKey: number): LlmTaskUsage[] | undefined {
  const cols = tableColumns(db, 'llm_calls')
  const run = runFilter(cols, runId, runKey)
  const task = pick(cols, ['task', 'task_name'])
  if (!run || !task) return undefined
  const sumOf = (c: string | undefined) => (c ? `sum(${quoteIdent(c)})` : 'NULL')
  const prompt = pick(cols, ['prompt_tokens', 'input_tokens', 'tokens_in'])
  const completion = pick(cols, ['completion_tokens', 'output_tokens', 'tokens_out'])
  const cost = pick(cols, ['cost_usd', 'cost'])
  const latency = pick(cols, ['latency_ms', 'duration_ms', 'elapsed_ms'])
  const rows = db
    .prepare(
      `SELECT ${quoteIdent(task)} AS task, count(*) AS calls, ${sumOf(prompt)} AS prompt, ${sumOf(completion)} AS completion, ${sumOf(cost)} AS cost, ${latency ? `avg(${quoteIdent(latency)})` : 'NULL'} AS latency
       FROM llm_calls WHERE ${run.where} GROUP BY ${quoteIdent(task)} ORDER BY ${quoteIdent(task)}`,
    )
    .all(run.arg) as Array<{ task: string; calls: number; prompt: number | null; completion: number | null; cost: number | null; latency: number | null }>
  if (rows.length === 0) return undefined
  const outcome = pick(cols, ['outcome', 'status'])
  const outcomes = new Map<string, Record<string, number>>()
  if (outcome) {
    const o = db
      .prepare(`SELECT ${quoteIdent(task)} AS task, ${quoteIdent(outcome)} AS outcome, count(*) AS n FROM llm_calls WHERE ${run.where} GROUP BY 1, 2`)
      .all(run.arg) as Array<{ task: string; outcome: string | null; n: number }>
    for (const r of o) {
      const m = outcomes.get(r.task) ?? {}
      m[String(r.outcome ?? 'unknown')] = r.n
      outcomes.set(r.task, m)
    }
  }
  return rows.map((r) => ({
    task: String(r.task),
    calls: r.calls,
    promptTokens: r.prompt,
    completionTokens: r.completion,
    costUsd: r.cost,
    meanLatencyMs: r.latency === null ? null : Math.round(r.latency * 10) / 10,
    outcomes: outcomes.get(r.task) ?? {},
  }))
}

/** Rows of a corrections-like table: counts per kind and round, plus the first few rows as examples. */
export interface RecordedActions {
  table: string
  total: number
  /** `[round, kind, count]`; round is null where the table has no round column. */
  byRoundKind: Array<[number | null, string, number]>
  /** Up to `examples` rows, every column as text (long values cut). */
  examples: Array<Record<string, string>>
}

/** Corrections and interventions recorded for a run, one entry per table that has rows. */
export function recordedActions(db: Db, runId: string, runKey: number, examples = 8): RecordedActions[] {
  const out: RecordedActions[] = []
  for (const table of ['corrections', 'interventions']) {
    const cols = tableColumns(db, table)
    const run = runFilter(cols, runId, runKey)
    if (!run) continue
    const total = (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${run.where}`).get(run.arg) as { n: number }).n
    if (total === 0) continue
    const round = pick(cols, ['round'])
    const kind = pick(cols, ['kind', 'guard', 'type', 'critic', 'reason', 'action'])
    const byRoundKind = db
      .prepare(
        `SELECT ${round ? quoteIdent(round) : 'NULL'} AS round, ${kind ? quoteIdent(kind) : "'all'"} AS kind, count(*) AS n FROM ${table} WHERE ${run.where} GROUP BY 1, 2 ORDER BY 1, 2`,
      )
      .all(run.arg) as Array<{ round: number | null; kind: unknown; n: number }>
    // Prompts and inputs are long raw material (kept for datasets); the examples show the rest.
    const shown = cols.filter((c) => !['run_id', 'run_key', 'prompt', 'input'].includes(c))
    const rows = db
      .prepare(`SELECT ${shown.map(quoteIdent).join(', ')} FROM ${table} WHERE ${run.where} ORDER BY ${round ? quoteIdent(round) : 1} LIMIT ?`)
      .all(run.arg, examples) as Array<Record<string, unknown>>
    out.push({
      table,
      total,
      byRoundKind: byRoundKind.map((r) => [r.round, String(r.kind ?? 'unknown'), r.n]),
      examples: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, cut(v)]))),
    })
  }
  return out
}

function cut(v: unknown): string {
  const s = v === null || v === undefined ? '' : Buffer.isBuffer(v) ? `<${v.length} bytes>` : String(v)
  return s.length > 300 ? `${s.slice(0, 300)}…` : s
}
