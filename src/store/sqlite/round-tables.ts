import type { Db } from './open-database.ts'

/**
 * Tables whose rows belong to one round of one run and which a rewind deletes and a
 * branch copies. Found from the schema (any table with a `round` column and a `run_id`
 * or `run_key` column), so tables other features add (llm calls, ...) are covered too.
 * Recovery's own records are excluded: checkpoints are managed separately, and
 * interventions and interviews are history that a rewind must not erase.
 */
const NOT_ROUND_DATA = new Set(['checkpoints', 'checkpoint_states', 'checkpoint_ledger', 'interventions', 'interviews', 'agents', 'runs'])

export interface RoundTable {
  name: string
  /** `run_id` (text id) or `run_key` (runs.key). */
  runColumn: 'run_id' | 'run_key'
  /** Columns to copy on a branch (an INTEGER PRIMARY KEY is left to SQLite). */
  columns: string[]
}

const cache = new WeakMap<Db, RoundTable[]>()

export function roundTables(db: Db): RoundTable[] {
  let tables = cache.get(db)
  if (tables) return tables
  tables = []
  const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]
  for (const name of names) {
    if (NOT_ROUND_DATA.has(name)) continue
    const cols = db.prepare(`PRAGMA table_info(${quote(name)})`).all() as { name: string; type: string; pk: number }[]
    const has = (c: string) => cols.some((x) => x.name === c)
    if (!has('round')) continue
    const runColumn = has('run_id') ? 'run_id' : has('run_key') ? 'run_key' : undefined
    if (!runColumn) continue
    const pks = cols.filter((c) => c.pk > 0)
    const rowidAlias = pks.length === 1 && pks[0]!.type.toUpperCase() === 'INTEGER' ? pks[0]!.name : undefined
    tables.push({ name, runColumn, columns: cols.map((c) => c.name).filter((c) => c !== rowidAlias) })
  }
  cache.set(db, tables)
  return tables
}

export const quote = (id: string) => `"${id.replace(/"/g, '""')}"`

/** Deletes every round-scoped row of a run after `round` (-1: all rounds). Call inside a transaction. */
export function deleteRoundsAfter(db: Db, runId: string, runKey: number, round: number): Record<string, number> {
  const deleted: Record<string, number> = {}
  for (const t of roundTables(db)) {
    const r = db.prepare(`DELETE FROM ${quote(t.name)} WHERE ${t.runColumn} = ? AND round > ?`).run(t.runColumn === 'run_id' ? runId : runKey, round)
    if (r.changes) deleted[t.name] = r.changes
  }
  return deleted
}

/** Copies a run's round-scoped rows up to `round` into another run (a branch's shared history). */
export function copyRoundsUpTo(db: Db, from: { id: string; key: number }, to: { id: string; key: number }, round: number): void {
  for (const t of roundTables(db)) {
    const cols = t.columns.map(quote)
    const select = t.columns.map((c) => (c === t.runColumn ? '?' : quote(c)))
    db.prepare(`INSERT INTO ${quote(t.name)} (${cols.join(', ')}) SELECT ${select.join(', ')} FROM ${quote(t.name)} WHERE ${t.runColumn} = ? AND round <= ?`).run(
      t.runColumn === 'run_id' ? to.id : to.key,
      t.runColumn === 'run_id' ? from.id : from.key,
      round,
    )
  }
}
