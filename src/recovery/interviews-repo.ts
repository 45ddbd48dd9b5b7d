import type { Db } from '../store/index.ts'

/** Questions already asked of one agent (each interview's call index seeds its surrogate). */
export function interviewsAsked(db: Db, runId: string, agent: number): number {
  return db.prepare('SELECT count(*) FROM interviews WHERE run_id = ? AND agent_id = ?').pluck().get(runId, agent) as number
}

export function recordInterview(db: Db, i: { runId: string; round: number; agent: number; question: string; answer: string; backend: string }): void {
  db.prepare('INSERT INTO interviews (run_id, round, agent_id, question, answer, backend, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    i.runId,
    i.round,
    i.agent,
    i.question,
    i.answer,
    i.backend,
    new Date().toISOString(),
  )
}
