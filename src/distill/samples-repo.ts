import type { Db } from '../store/index.ts'
import type { SurrogateProfile } from '../config/index.ts'

/** One recorded model answer of a run, as `usersim distill` reads it. */
export interface RecordedCall {
  agent: number
  round: number
  call: number
  input: unknown
  output: unknown
}

/**
 * The model's own answers to one task in a run (ok, repaired or cached; fallbacks to the
 * surrogate are not the model's), with their inputs. Calls logged without prompts
 * (`--log-prompts none`) have no input and are skipped.
 */
export function recordedCalls(db: Db, runKey: number, task: string, maxRound = Number.MAX_SAFE_INTEGER): RecordedCall[] {
  const rows = db
    .prepare(
      `SELECT agent_id AS agent, round, call, input, output FROM llm_calls
       WHERE run_key = ? AND task = ? AND round <= ? AND outcome IN ('ok', 'repaired', 'cached') AND input IS NOT NULL AND output IS NOT NULL
       ORDER BY round, agent_id, call`,
    )
    .all(runKey, task, maxRound) as Array<{ agent: number; round: number; call: number; input: string; output: string }>
  return rows.map((r) => ({ agent: r.agent, round: r.round, call: r.call, input: JSON.parse(r.input) as unknown, output: JSON.parse(r.output) as unknown }))
}

/** Tasks with recorded model answers in a run. */
export function recordedTasks(db: Db, runKey: number): string[] {
  return (
    db.prepare("SELECT DISTINCT task FROM llm_calls WHERE run_key = ? AND outcome IN ('ok', 'repaired', 'cached') AND input IS NOT NULL ORDER BY task").pluck().all(runKey) as string[]
  )
}

/** A refit of a hybrid run's profile between rounds (continuous distillation). */
export interface ProfileRefit {
  round: number
  oldHash: string | null
  newHash: string
  reason: string
  figures: Record<string, { before: unknown; after: unknown }>
}

export function recordRefit(db: Db, runKey: number, r: ProfileRefit): void {
  db.prepare('INSERT OR REPLACE INTO profile_refits (run_key, round, old_hash, new_hash, reason, figures) VALUES (?, ?, ?, ?, ?, ?)').run(
    runKey, r.round, r.oldHash, r.newHash, r.reason, JSON.stringify(r.figures),
  )
}

export function profileRefits(db: Db, runKey: number): ProfileRefit[] {
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'profile_refits'").get()) return []
  const rows = db.prepare('SELECT round, old_hash AS oldHash, new_hash AS newHash, reason, figures FROM profile_refits WHERE run_key = ? ORDER BY round').all(runKey) as Array<Omit<ProfileRefit, 'figures'> & { figures: string }>
  return rows.map((r) => ({ ...r, figures: JSON.parse(r.figures) as ProfileRefit['figures'] }))
}

/** Keeps a profile in the database it was fitted from (by hash; the same fit is kept once). */
export function saveProfile(db: Db, profile: SurrogateProfile): void {
  db.prepare('INSERT OR IGNORE INTO surrogate_profiles (hash, source_run, created_at, profile) VALUES (?, ?, ?, ?)').run(
    profile.hash, profile.sourceRun, profile.createdAt, JSON.stringify(profile),
  )
}
