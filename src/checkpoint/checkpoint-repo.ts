import { createHash } from 'node:crypto'
import { deserialize, serialize } from 'node:v8'
import { SimError } from '../core/index.ts'
import { runConfigSchema, type RunConfig } from '../config/index.ts'
import type { RoundMetrics } from '../metrics/index.ts'
import type { StatePart } from '../runner/state-parts.ts'
import type { Db, RunStore } from '../store/index.ts'

/** Bumped when the stored layout changes; older checkpoints are refused by name. */
export const CHECKPOINT_FORMAT = 1

/** What a run needs to continue after `round` (0-based, as `show` prints rounds). */
export interface CheckpointData {
  round: number
  states: readonly StatePart[]
  /** Structured-cloneable (typed arrays, Maps): stored with v8.serialize. */
  policyState: unknown
  metrics: readonly RoundMetrics[]
  exposure: Float64Array
  config: RunConfig
  extra: CheckpointExtra
}

/**
 * Run-level facts a resume must restore beyond the simulation state, as the extensions
 * provided them (RoundLoop.fact), e.g. `fallback`: a guard switched the run to its fallback.
 */
export type CheckpointExtra = Record<string, unknown>

export interface CheckpointInfo {
  round: number
  createdAt: string
  agents: number
  parts: number
  bytes: number
}

export interface WriteStats {
  bytes: number
  ms: number
}

/**
 * Writes a checkpoint atomically and prunes old ones to the newest `keep` (0 = all).
 * `beforeLedger` runs inside the transaction, before the ledger vouches for it (crash tests hold there).
 */
export function writeCheckpoint(store: RunStore, runId: string, data: CheckpointData, keep: number, beforeLedger?: (round: number) => void): WriteStats {
  const t0 = performance.now()
  const db = store.db
  const policy = serialize(data.policyState)
  const exposure = Buffer.from(data.exposure.buffer, data.exposure.byteOffset, data.exposure.byteLength)
  // v8, not JSON: metrics may hold NaN (e.g. NDCG with no sampled agent).
  const metrics = serialize(data.metrics)
  const config = JSON.stringify(data.config)
  const extra = JSON.stringify(data.extra)
  const parts = [...data.states].sort((a, b) => a.start - b.start)
  const checksum = checksumOf(policy, exposure, metrics, config, extra, parts)
  let bytes = policy.length + exposure.length + metrics.length + config.length + extra.length
  for (const p of parts) bytes += p.states?.length ?? 0
  const agents = parts.length ? parts.at(-1)!.end : 0

  db.transaction(() => {
    // Rewriting a round (a replay after a rollback) replaces its checkpoint.
    dropCheckpoints(db, runId, 'round >= ?', data.round)
    const id = db
      .prepare(
        'INSERT INTO checkpoints (run_id, round, created_at, format, parts, agents, policy, exposure, metrics, config, extra, bytes, checksum) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(runId, data.round, new Date().toISOString(), CHECKPOINT_FORMAT, parts.length, agents, policy, exposure, metrics, config, extra, bytes, checksum).lastInsertRowid
    const ins = db.prepare('INSERT INTO checkpoint_states (checkpoint_id, part, start_agent, end_agent, states) VALUES (?, ?, ?, ?, ?)')
    parts.forEach((p, i) => ins.run(id, i, p.start, p.end, p.states))
    beforeLedger?.(data.round)
    db.prepare(
      'INSERT INTO checkpoint_ledger (run_id, last_round, written) VALUES (?, ?, 1) ON CONFLICT (run_id) DO UPDATE SET last_round = excluded.last_round, written = written + 1',
    ).run(runId, data.round)
    if (keep > 0) {
      const rounds = db.prepare('SELECT round FROM checkpoints WHERE run_id = ? ORDER BY round DESC').pluck().all(runId) as number[]
      if (rounds.length > keep) dropCheckpoints(db, runId, 'round <= ?', rounds[keep]!)
    }
  })()
  return { bytes, ms: performance.now() - t0 }
}

function dropCheckpoints(db: Db, runId: string, where: string, round: number): void {
  db.prepare(`DELETE FROM checkpoint_states WHERE checkpoint_id IN (SELECT id FROM checkpoints WHERE run_id = ? AND ${where})`).run(runId, round)
  db.prepare(`DELETE FROM checkpoints WHERE run_id = ? AND ${where}`).run(runId, round)
}

/** Drops checkpoints after `round` and points the ledger at it (a rollback; -1: none left). */
export function forgetCheckpointsAfter(db: Db, runId: string, round: number): void {
  dropCheckpoints(db, runId, 'round > ?', round)
  if (round < 0) db.prepare('DELETE FROM checkpoint_ledger WHERE run_id = ?').run(runId)
  else db.prepare('UPDATE checkpoint_ledger SET last_round = ? WHERE run_id = ?').run(round, runId)
}

export function listCheckpoints(db: Db, runId: string): CheckpointInfo[] {
  return (db.prepare('SELECT round, created_at, agents, parts, bytes FROM checkpoints WHERE run_id = ? ORDER BY round').all(runId) as Record<string, unknown>[]).map((r) => ({
    round: r.round as number,
    createdAt: r.created_at as string,
    agents: r.agents as number,
    parts: r.parts as number,
    bytes: r.bytes as number,
  }))
}

/** The round of the newest checkpoint the ledger vouches for, or null if none was ever written. */
export function lastCheckpointRound(db: Db, runId: string): number | null {
  const row = db.prepare('SELECT last_round FROM checkpoint_ledger WHERE run_id = ?').get(runId) as { last_round: number } | undefined
  return row ? row.last_round : null
}

/**
 * Loads and verifies a checkpoint: the newest one (per the ledger) or the one of `round`.
 * Returns null only when the run never wrote one. Anything missing or altered is an
 * error that names it: a resume never continues from the wrong state.
 */
export function loadCheckpoint(store: RunStore, runId: string, round?: number): CheckpointData | null {
  const db = store.db
  const where = `run "${runId}" in ${store.file}`
  const ledger = lastCheckpointRound(db, runId)
  const available = () => {
    const rs = listCheckpoints(db, runId).map((c) => c.round)
    return rs.length ? `checkpoints present: round ${rs.join(', ')}` : 'no checkpoints are present'
  }
  if (round === undefined) {
    if (ledger === null) {
      const orphan = db.prepare('SELECT count(*) FROM checkpoints WHERE run_id = ?').pluck().get(runId) as number
      if (orphan > 0) throw new SimError('CHECKPOINT_MISSING', `the checkpoint ledger row of ${where} is missing (table checkpoint_ledger) although ${available()}; the database was altered`)
      return null
    }
    round = ledger
  } else if (ledger === null || round > ledger) {
    throw new SimError('CHECKPOINT_MISSING', `${where} has no checkpoint of round ${round} (${available()})`)
  }
  const head = db.prepare('SELECT * FROM checkpoints WHERE run_id = ? AND round = ?').get(runId, round) as Record<string, unknown> | undefined
  if (!head) {
    const what = round === ledger ? `the newest checkpoint (round ${round}, per table checkpoint_ledger)` : `the checkpoint of round ${round}`
    throw new SimError(
      'CHECKPOINT_MISSING',
      `${what} of ${where} is missing from table checkpoints (${available()}; a kept older one can be used with \`npx usersim rollback ${runId} --to-round N\`)`,
    )
  }
  if (head.format !== CHECKPOINT_FORMAT) {
    throw new SimError('CHECKPOINT_CONFLICT', `checkpoint of round ${round} of ${where} has format ${String(head.format)}; this usersim reads format ${CHECKPOINT_FORMAT}`)
  }
  const rows = db.prepare('SELECT part, start_agent, end_agent, states FROM checkpoint_states WHERE checkpoint_id = ? ORDER BY part').all(head.id) as {
    part: number
    start_agent: number
    end_agent: number
    states: string | null
  }[]
  const nParts = head.parts as number
  const agents = head.agents as number
  const have = new Set(rows.map((r) => r.part))
  const missing = Array.from({ length: nParts }, (_, i) => i).filter((i) => !have.has(i))
  if (missing.length) {
    throw new SimError('CHECKPOINT_MISSING', `checkpoint of round ${round} of ${where} lacks agent-state part(s) ${missing.join(', ')} of ${nParts} (table checkpoint_states)`)
  }
  let next = 0
  for (const r of rows) {
    if (r.start_agent !== next) throw new SimError('CHECKPOINT_MISSING', `checkpoint of round ${round} of ${where}: agent states for agents [${next}, ${r.start_agent}) are missing`)
    next = r.end_agent
  }
  if (next !== agents) throw new SimError('CHECKPOINT_MISSING', `checkpoint of round ${round} of ${where}: agent states end at agent ${next}, expected ${agents}`)
  const parts: StatePart[] = rows.map((r) => ({ start: r.start_agent, end: r.end_agent, states: r.states }))
  const policy = head.policy as Buffer
  const exposure = head.exposure as Buffer
  const sum = checksumOf(policy, exposure, head.metrics as Buffer, head.config as string, head.extra as string, parts)
  if (sum !== head.checksum) {
    throw new SimError('CHECKPOINT_CONFLICT', `checkpoint of round ${round} of ${where} is damaged: its contents do not match the checksum written with it`)
  }
  const exp = new Float64Array(exposure.byteLength / 8)
  new Uint8Array(exp.buffer).set(exposure)
  return {
    round,
    states: parts,
    policyState: deserialize(policy),
    metrics: deserialize(head.metrics as Buffer) as RoundMetrics[],
    exposure: exp,
    config: parseStoredConfig(head.config as string, where, round),
    extra: JSON.parse(head.extra as string) as CheckpointExtra,
  }
}

function checksumOf(policy: Uint8Array, exposure: Uint8Array, metrics: Uint8Array, config: string, extra: string, parts: readonly StatePart[]): string {
  const h = createHash('sha256')
  h.update(policy).update(exposure).update(metrics).update('\0').update(config).update('\0').update(extra)
  for (const p of parts) h.update(`\0${p.start},${p.end},`).update(p.states ?? '\u0001')
  return h.digest('hex')
}

function parseStoredConfig(json: string, where: string, round: number): RunConfig {
  const r = runConfigSchema.safeParse(JSON.parse(json))
  if (!r.success) throw new SimError('CHECKPOINT_CONFLICT', `checkpoint of round ${round} of ${where} holds a configuration this usersim cannot read`)
  return r.data
}
