import { createHash } from 'node:crypto'
import { cartsAt, clicksAt, hasLeft, ordersAt, searchAt, hasReturned, isPresent, ratingsAt, SimError, slateAt, type Persona, type ShardResult } from '../../core/index.ts'
import { runConfigSchema, type RunConfig } from '../../config/index.ts'
import type { RoundMetrics, RunSummary } from '../../metrics/index.ts'
import { openDatabase, type Db } from './open-database.ts'
import { copyRoundsUpTo, deleteRoundsAfter } from './round-tables.ts'
import { acquireLease, leaseIsLive, leaseOf, releaseLease, renewLease, thisProcess, type RunLease } from './run-lease.ts'

export type RunStatus = 'running' | 'finished' | 'failed' | 'interrupted'

export interface RunRecord {
  id: string
  scenario: string
  config: RunConfig
  seed: number
  versions: Record<string, string>
  /** `running` only while its lease is live: a run whose process died reads `interrupted`. */
  status: RunStatus
  /** The process driving the run, while one holds it (see run-lease.ts). */
  lease: RunLease | null
  createdAt: string
  updatedAt: string
  parentRun: string | null
  parentRound: number | null
  error: string | null
  summary: RunSummary | null
}

export interface RoundRecord {
  round: number
  status: string
  startedAt: string | null
  finishedAt: string | null
  durationMs: number | null
  metrics: RoundMetrics | null
}

const EVENT_COLUMNS = '(run_key, round, agent_id, present, returned, slate, clicks, ratings, satisfaction, left_session, carts, orders, gmv, query, reformulation)'
const EVENT_WIDTH = 15
const EVENT_VALUES = `(${Array(EVENT_WIDTH).fill('?').join(', ')})`
/** Rows per multi-row INSERT: fewer statement calls, the main cost of a large insert. */
const EVENT_BATCH = 64

/**
 * How a feature stores what a shard produced in tables of its own (corrections, dataset
 * traces, model calls). Hooks run inside the shard's commit transaction, so their rows
 * count exactly once with the shard's events; each feature's repository owns its SQL.
 */
export interface CommitHook {
  readonly name: string
  commit(db: Db, run: { id: string; key: number }, result: ShardResult): void
}

function csv(xs: ArrayLike<number>): string {
  let s = ''
  for (let i = 0; i < xs.length; i++) s += i ? `,${xs[i]}` : `${xs[i]}`
  return s
}

/**
 * The run store on SQLite. One writer (the orchestrator); shard results are committed
 * idempotently by (run, round, shard), with the commit hooks features register. `db` is
 * there for the features' repositories (files named `*-repo.ts`), which own the SQL of
 * their tables; nothing else writes SQL (lint checks it).
 */
/** What a policy learned from before round 0. */
export interface WarmStartRecord {
  kind: string
  source: string
  batches: number
  users: number
  interactions: number
  clicks: number
  digest: string
}

export class RunStore {
  readonly db: Db
  readonly file: string
  private readonly stmts
  private readonly hooks: CommitHook[] = []

  constructor(file: string, opts: { mustExist?: boolean; readonly?: boolean } = {}) {
    this.file = file
    this.db = openDatabase(file, opts)
    const db = this.db
    this.stmts = opts.readonly
      ? undefined
      : {
          insertEvent: db.prepare(`INSERT INTO events ${EVENT_COLUMNS} VALUES ${EVENT_VALUES}`),
          insertEvents: db.prepare(`INSERT INTO events ${EVENT_COLUMNS} VALUES ${Array(EVENT_BATCH).fill(EVENT_VALUES).join(', ')}`),
          insertUtterance: db.prepare('INSERT INTO utterances (run_id, round, agent_id, kind, text) VALUES (?, ?, ?, ?, ?)'),
          insertError: db.prepare('INSERT INTO agent_errors (run_id, round, agent_id, message) VALUES (?, ?, ?, ?)'),
          claimShard: db.prepare(
            'INSERT OR IGNORE INTO shard_commits (run_id, round, shard, start_agent, end_agent, committed_at) VALUES (?, ?, ?, ?, ?, ?)',
          ),
          addTaskCount: db.prepare(
            'INSERT INTO task_counts (run_id, round, task, calls) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, round, task) DO UPDATE SET calls = calls + excluded.calls',
          ),
          insertPersona: db.prepare('INSERT OR REPLACE INTO agents (run_id, agent_id, persona) VALUES (?, ?, ?)'),
        }
  }

  private readonly keys = new Map<string, number>()

  /** Adds a commit hook (a hook of the same name is added once). */
  addCommitHook(hook: CommitHook): void {
    if (!this.hooks.some((h) => h.name === hook.name)) this.hooks.push(hook)
  }

  /** The integer key of a run (events are keyed by it). */
  runKey(runId: string): number {
    let k = this.keys.get(runId)
    if (k === undefined) {
      const row = this.db.prepare('SELECT key FROM runs WHERE id = ?').get(runId) as { key: number } | undefined
      if (!row) throw new SimError('RUN_NOT_FOUND', `no run "${runId}" in ${this.file}`)
      k = row.key
      this.keys.set(runId, k)
    }
    return k
  }

  private get w() {
    if (!this.stmts) throw new SimError('INTERNAL', 'store opened read-only')
    return this.stmts
  }

  /** Records a new run; a `running` one is leased to this process from the start. */
  createRun(run: Omit<RunRecord, 'updatedAt' | 'error' | 'summary' | 'lease'>): void {
    const me = run.status === 'running' ? { ...thisProcess(), at: Date.now() } : null
    this.db
      .prepare(
        'INSERT INTO runs (id, scenario, config, seed, versions, status, created_at, updated_at, parent_run, parent_round, lease_owner, lease_host, lease_pid, lease_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(run.id, run.scenario, JSON.stringify(run.config), run.seed, JSON.stringify(run.versions), run.status, run.createdAt, run.createdAt, run.parentRun, run.parentRound, me?.owner ?? null, me?.host ?? null, me?.pid ?? null, me?.at ?? null)
  }

  /** Takes a run's lease for this process, or refuses (RUN_BUSY) while another live process holds it. */
  acquireLease(runId: string): void {
    acquireLease(this.db, runId, this.file)
  }

  /** Renews this process's lease of a run; false if it no longer holds it. */
  renewLease(runId: string): boolean {
    return renewLease(this.db, runId)
  }

  /** Gives up this process's lease of a run. */
  releaseLease(runId: string): void {
    releaseLease(this.db, runId)
  }

  setRunStatus(id: string, status: RunStatus, error: string | null = null): void {
    this.db.prepare('UPDATE runs SET status = ?, error = ?, updated_at = ? WHERE id = ?').run(status, error, new Date().toISOString(), id)
  }

  setRunSummary(id: string, summary: RunSummary): void {
    this.db.prepare('UPDATE runs SET summary = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(summary), new Date().toISOString(), id)
  }

  insertPersonas(runId: string, personas: readonly Persona[]): void {
    const ins = this.w.insertPersona
    this.db.transaction(() => {
      for (const p of personas) ins.run(runId, p.id, JSON.stringify(p))
    })()
  }

  /** Commits one shard's result; returns false (and writes nothing) if it was committed before. */
  commitShard(runId: string, result: ShardResult): boolean {
    const s = this.w
    return this.db.transaction(() => {
      const claimed = s.claimShard.run(runId, result.round, result.shard, result.start, result.end, new Date().toISOString())
      if (claimed.changes === 0) return false
      const key = this.runKey(runId)
      const b = result.rows
      const args: unknown[] = []
      for (let k = 0; k < b.count; k++) {
        const q = searchAt(b, k)
        args.push(
          key, b.round, b.start + k, isPresent(b, k) ? 1 : 0, hasReturned(b, k) ? 1 : 0, csv(slateAt(b, k)), csv(clicksAt(b, k)), csv(ratingsAt(b, k)), b.satisfaction[k], hasLeft(b, k) ? 1 : 0,
          csv(cartsAt(b, k)), csv(ordersAt(b, k)), b.gmv[k], q?.query ?? '', q?.reformulation ? 1 : 0,
        )
        if (args.length === EVENT_BATCH * EVENT_WIDTH) {
          s.insertEvents.run(args)
          args.length = 0
        }
      }
      for (let i = 0; i < args.length; i += EVENT_WIDTH) s.insertEvent.run(args.slice(i, i + EVENT_WIDTH))
      for (const u of b.utterances) s.insertUtterance.run(runId, b.round, u.agent, u.kind, u.text)
      for (const e of result.errors) s.insertError.run(runId, e.round, e.agent, e.message)
      for (const [task, calls] of Object.entries(result.taskCounts)) s.addTaskCount.run(runId, result.round, task, calls)
      for (const h of this.hooks) h.commit(this.db, { id: runId, key }, result)
      return true
    })()
  }

  /** The run's first agent errors (by round, then agent), and how many there are in all. */
  agentErrors(runId: string, limit = 3): { total: number; first: Array<{ round: number; agent: number; message: string }> } {
    const total = this.db.prepare('SELECT count(*) FROM agent_errors WHERE run_id = ?').pluck().get(runId) as number
    const first = this.db
      .prepare('SELECT round, agent_id AS agent, message FROM agent_errors WHERE run_id = ? ORDER BY round, agent_id LIMIT ?')
      .all(runId, limit) as Array<{ round: number; agent: number; message: string }>
    return { total, first }
  }

  /** Shards of a round already committed (for idempotent and resumed distributed runs). */
  committedShards(runId: string, round: number): number[] {
    return (this.db.prepare('SELECT shard FROM shard_commits WHERE run_id = ? AND round = ? ORDER BY shard').all(runId, round) as { shard: number }[]).map((r) => r.shard)
  }

  startRound(runId: string, round: number): void {
    this.db
      .prepare("INSERT INTO rounds (run_id, round, status, started_at) VALUES (?, ?, 'running', ?) ON CONFLICT (run_id, round) DO UPDATE SET status = 'running', started_at = excluded.started_at")
      .run(runId, round, new Date().toISOString())
  }

  finishRound(runId: string, round: number, metrics: RoundMetrics, durationMs: number): void {
    this.db
      .prepare("UPDATE rounds SET status = 'done', finished_at = ?, duration_ms = ?, metrics = ? WHERE run_id = ? AND round = ?")
      .run(new Date().toISOString(), durationMs, JSON.stringify(metrics), runId, round)
  }

  getRun(id: string): RunRecord {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Record<string, unknown> | undefined
    if (!row) throw new SimError('RUN_NOT_FOUND', `no run "${id}" in ${this.file} (see \`npx usersim runs --db ${this.file}\`)`)
    return toRun(row, this.file)
  }

  /** Runs, newest first. */
  listRuns(): RunRecord[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY created_at DESC, rowid DESC').all() as Record<string, unknown>[]).map((r) => toRun(r, this.file))
  }

  /** Runs `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  /** Deletes every round-scoped row of a run after `round` (-1: all rounds), in every table that has them. */
  deleteRoundsAfter(runId: string, round: number): Record<string, number> {
    return this.transaction(() => deleteRoundsAfter(this.db, runId, this.runKey(runId), round))
  }

  /** Copies a run's personas and round-scoped rows up to `round` into another run (a branch's shared history). */
  copyHistory(from: string, to: string, round: number): void {
    this.transaction(() => {
      this.db.prepare('INSERT INTO agents (run_id, agent_id, persona) SELECT ?, agent_id, persona FROM agents WHERE run_id = ?').run(to, from)
      this.db
        .prepare('INSERT OR REPLACE INTO warm_starts (run_id, kind, source, batches, users, interactions, clicks, digest) SELECT ?, kind, source, batches, users, interactions, clicks, digest FROM warm_starts WHERE run_id = ?')
        .run(to, from)
      copyRoundsUpTo(this.db, { id: from, key: this.runKey(from) }, { id: to, key: this.runKey(to) }, round)
    })
  }

  /** Records what a run's policy learned from before round 0 (see src/runner/warm-start.ts). */
  setWarmStart(runId: string, w: WarmStartRecord): void {
    this.db
      .prepare('INSERT OR REPLACE INTO warm_starts (run_id, kind, source, batches, users, interactions, clicks, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(runId, w.kind, w.source, w.batches, w.users, w.interactions, w.clicks, w.digest)
  }

  /** What a run's policy learned from before round 0, or undefined (a cold start). */
  warmStart(runId: string): WarmStartRecord | undefined {
    return this.db.prepare('SELECT kind, source, batches, users, interactions, clicks, digest FROM warm_starts WHERE run_id = ?').get(runId) as WarmStartRecord | undefined
  }

  /** Marks a run rewound: interrupted, its summary and error cleared (rollback). */
  markRewound(runId: string): void {
    this.db.prepare("UPDATE runs SET status = 'interrupted', summary = NULL, error = NULL, updated_at = ? WHERE id = ?").run(new Date().toISOString(), runId)
  }

  /** Personas stored for a run. */
  personaCount(runId: string): number {
    return this.db.prepare('SELECT count(*) FROM agents WHERE run_id = ?').pluck().get(runId) as number
  }

  /** The stored persona of one agent, or undefined. */
  persona(runId: string, agent: number): Persona | undefined {
    const row = this.db.prepare('SELECT persona FROM agents WHERE run_id = ? AND agent_id = ?').pluck().get(runId, agent) as string | undefined
    return row === undefined ? undefined : (JSON.parse(row) as Persona)
  }

  getRounds(runId: string): RoundRecord[] {
    return (this.db.prepare('SELECT * FROM rounds WHERE run_id = ? ORDER BY round').all(runId) as Record<string, unknown>[]).map((r) => ({
      round: r.round as number,
      status: r.status as string,
      startedAt: (r.started_at as string) ?? null,
      finishedAt: (r.finished_at as string) ?? null,
      durationMs: (r.duration_ms as number) ?? null,
      metrics: r.metrics ? (JSON.parse(r.metrics as string) as RoundMetrics) : null,
    }))
  }

  taskCounts(runId: string): Record<string, number> {
    const rows = this.db.prepare('SELECT task, sum(calls) AS calls FROM task_counts WHERE run_id = ? GROUP BY task ORDER BY task').all(runId) as { task: string; calls: number }[]
    return Object.fromEntries(rows.map((r) => [r.task, r.calls]))
  }

  /** A hash of a run's events in (round, agent) order: equal hashes mean identical behaviour. */
  eventsHash(runId: string, upToRound = Number.MAX_SAFE_INTEGER): string {
    const h = createHash('sha256')
    const it = this.db
      .prepare('SELECT round, agent_id, present, returned, slate, clicks, ratings, satisfaction, left_session, carts, orders, gmv, query, reformulation FROM events WHERE run_key = ? AND round <= ? ORDER BY round, agent_id')
      .raw()
      .iterate(this.runKey(runId), upToRound) as Iterable<unknown[]>
    for (const row of it) h.update(row.join('|') + '\n')
    return h.digest('hex')
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}

function toRun(r: Record<string, unknown>, file: string): RunRecord {
  const lease = leaseOf(r)
  const stored = r.status as RunStatus
  const config = runConfigSchema.safeParse(JSON.parse(r.config as string))
  if (!config.success) throw new SimError('DATA_INVALID', `the stored configuration of run "${String(r.id)}" in ${file} is not valid: ${config.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  return {
    id: r.id as string,
    scenario: r.scenario as string,
    config: config.data,
    seed: r.seed as number,
    versions: JSON.parse(r.versions as string) as Record<string, string>,
    status: stored === 'running' && !leaseIsLive(lease) ? 'interrupted' : stored,
    lease: stored === 'running' ? lease : null,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
    parentRun: (r.parent_run as string) ?? null,
    parentRound: (r.parent_round as number) ?? null,
    error: (r.error as string) ?? null,
    summary: r.summary ? (JSON.parse(r.summary as string) as RunSummary) : null,
  }
}
