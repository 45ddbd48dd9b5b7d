import { hostname } from 'node:os'
import { SimError } from '../../core/index.ts'
import type { Db } from './open-database.ts'

/**
 * A run's lease: the process that drives it and its last heartbeat. Without it a run whose
 * process died (kill -9, out of memory, a double Ctrl-C) stayed `running` for ever, and
 * `resume` could start a second orchestrator on a run that was still going.
 */
export interface RunLease {
  /** Who holds it, for people: "pid 1234 on host-a". */
  owner: string
  host: string
  pid: number
  /** Last heartbeat, ms since the epoch. */
  at: number
}

/** How long a lease lasts without a heartbeat (the holder beats several times within it). */
export const LEASE_TTL_MS = 30_000

/** This process as a lease holder. */
export function thisProcess(): Omit<RunLease, 'at'> {
  const host = hostname()
  return { owner: `pid ${process.pid} on ${host}`, host, pid: process.pid }
}

/**
 * Whether a lease is held by a live process: its heartbeat is recent and, when the holder
 * is on this host, that process still exists (so a killed run is seen at once, not after
 * the time-to-live).
 */
export function leaseIsLive(lease: RunLease | null, now = Date.now(), ttlMs = LEASE_TTL_MS): boolean {
  if (!lease) return false
  if (now - lease.at > ttlMs) return false
  if (lease.host === hostname()) return processExists(lease.pid)
  return true
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function leaseOf(row: Record<string, unknown>): RunLease | null {
  if (row.lease_at == null || row.lease_pid == null) return null
  return { owner: String(row.lease_owner), host: String(row.lease_host), pid: Number(row.lease_pid), at: Number(row.lease_at) }
}

/**
 * Takes the lease of a run for this process, in one transaction with the check, or
 * refuses (RUN_BUSY) naming the live holder.
 */
export function acquireLease(db: Db, runId: string, file: string, now = Date.now()): void {
  db.transaction(() => {
    const row = db.prepare('SELECT lease_owner, lease_host, lease_pid, lease_at FROM runs WHERE id = ?').get(runId) as Record<string, unknown> | undefined
    if (!row) throw new SimError('RUN_NOT_FOUND', `no run "${runId}" in ${file}`)
    const held = leaseOf(row)
    const me = thisProcess()
    if (held && leaseIsLive(held, now) && !(held.host === me.host && held.pid === me.pid)) {
      const ago = Math.max(0, Math.round((now - held.at) / 1000))
      throw new SimError(
        'RUN_BUSY',
        `run "${runId}" is still running (${held.owner}, last heartbeat ${ago} s ago); stop that process first, or wait until its lease lapses (${LEASE_TTL_MS / 1000} s without a heartbeat)`,
      )
    }
    db.prepare('UPDATE runs SET lease_owner = ?, lease_host = ?, lease_pid = ?, lease_at = ? WHERE id = ?').run(me.owner, me.host, me.pid, now, runId)
  }).immediate()
}

/** Renews this process's lease; false if another process has taken it over. */
export function renewLease(db: Db, runId: string, now = Date.now()): boolean {
  const me = thisProcess()
  return db.prepare('UPDATE runs SET lease_at = ? WHERE id = ? AND lease_host = ? AND lease_pid = ?').run(now, runId, me.host, me.pid).changes > 0
}

/** Gives the lease up (only this process's own). */
export function releaseLease(db: Db, runId: string): void {
  const me = thisProcess()
  db.prepare('UPDATE runs SET lease_owner = NULL, lease_host = NULL, lease_pid = NULL, lease_at = NULL WHERE id = ? AND lease_host = ? AND lease_pid = ?').run(runId, me.host, me.pid)
}
