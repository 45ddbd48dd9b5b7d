import type { Db } from '../store/index.ts'

/**
 * The studies table (migration 013): `usersim compare` and `usersim eval ranking` results
 * with the runs each made. A database from before migration 013, opened read-only (as the
 * report opens it), has no such table: readers then find no study.
 */

export type StudyKind = 'compare' | 'ranking'

export interface StudyRow {
  id: string
  kind: StudyKind
  createdAt: string
  /** The command's --json output, parsed. */
  result: unknown
  /** The study's runs, in the order it made them. */
  runs: string[]
}

export function hasStudies(db: Db): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'studies'").get() !== undefined
}

/** Stores a study and its runs in one transaction. */
export function insertStudy(db: Db, s: StudyRow): void {
  const study = db.prepare('INSERT INTO studies (id, kind, created_at, result) VALUES (?, ?, ?, ?)')
  const run = db.prepare('INSERT INTO study_runs (study_id, position, run_id) VALUES (?, ?, ?)')
  db.transaction(() => {
    study.run(s.id, s.kind, s.createdAt, JSON.stringify(s.result))
    for (const [i, r] of s.runs.entries()) run.run(s.id, i, r)
  })()
}

export function getStudy(db: Db, id: string): StudyRow | undefined {
  if (!hasStudies(db)) return undefined
  const row = db.prepare('SELECT id, kind, created_at, result FROM studies WHERE id = ?').get(id) as { id: string; kind: StudyKind; created_at: string; result: string } | undefined
  if (!row) return undefined
  const runs = db.prepare('SELECT run_id FROM study_runs WHERE study_id = ? ORDER BY position').pluck().all(id) as string[]
  return { id: row.id, kind: row.kind, createdAt: row.created_at, result: JSON.parse(row.result) as unknown, runs }
}

/** Study ids, newest first (of one kind when given). */
export function listStudyIds(db: Db, kind?: StudyKind): string[] {
  if (!hasStudies(db)) return []
  const sql = `SELECT id FROM studies ${kind ? 'WHERE kind = ?' : ''} ORDER BY created_at DESC, id DESC`
  return db.prepare(sql).pluck().all(...(kind ? [kind] : [])) as string[]
}

/** The studies that made any of these runs, oldest first. */
export function studiesOfRuns(db: Db, runIds: readonly string[]): string[] {
  if (!hasStudies(db) || runIds.length === 0) return []
  const marks = runIds.map(() => '?').join(', ')
  return db
    .prepare(`SELECT DISTINCT s.id FROM study_runs r JOIN studies s ON s.id = r.study_id WHERE r.run_id IN (${marks}) ORDER BY s.created_at, s.id`)
    .pluck()
    .all(...runIds) as string[]
}
