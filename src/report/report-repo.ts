import type { Db } from '../store/index.ts'

/** The report's reads of the engine's tables (events, utterances, personas, rounds). */

/** Utterance rows of a run. */
export function utteranceCount(db: Db, runId: string): number {
  return db.prepare('SELECT count(*) FROM utterances WHERE run_id = ?').pluck().get(runId) as number
}

/** The agent of the utterance at `offset` in (round, agent) order: a talkative agent is likelier to be picked. */
export function utteranceAgentAt(db: Db, runId: string, offset: number): number | undefined {
  return db.prepare('SELECT agent_id FROM utterances WHERE run_id = ? ORDER BY round, agent_id LIMIT 1 OFFSET ?').pluck().get(runId, offset) as number | undefined
}

export interface StoryEventRow {
  present: number
  returned: number
  slate: string
  clicks: string
  ratings: string
  satisfaction: number
  left_session: number
}

/** Readers of one agent's rounds, prepared once per story. */
export function storyReaders(db: Db) {
  const ev = db.prepare('SELECT present, returned, slate, clicks, ratings, satisfaction, left_session FROM events WHERE run_key = ? AND round = ? AND agent_id = ?')
  const said = db.prepare('SELECT kind, text FROM utterances WHERE run_id = ? AND round = ? AND agent_id = ? ORDER BY rowid')
  const persona = db.prepare('SELECT persona FROM agents WHERE run_id = ? AND agent_id = ?').pluck()
  return {
    event: (runKey: number, round: number, agent: number) => ev.get(runKey, round, agent) as StoryEventRow | undefined,
    said: (runId: string, round: number, agent: number) => said.all(runId, round, agent) as Array<{ kind: string; text: string }>,
    personaJson: (runId: string, agent: number) => persona.get(runId, agent) as string | undefined,
  }
}

/** The slate, clicks and ratings (as stored text) of rounds [from, to], streamed in key order. */
export function slateTriples(db: Db, runKey: number, fromRound: number, toRound: number): Iterable<[string, string, string]> {
  return db
    .prepare("SELECT slate, clicks, ratings FROM events WHERE run_key = ? AND round BETWEEN ? AND ? AND slate != ''")
    .raw()
    .iterate(runKey, fromRound, toRound) as Iterable<[string, string, string]>
}

/** Per run: rounds done and the round running, if any (the live page's run picker). */
export function roundProgress(db: Db): Array<{ run_id: string; done: number; running: number | null }> {
  return db
    .prepare("SELECT run_id, sum(status = 'done') AS done, max(CASE WHEN status = 'running' THEN round END) AS running FROM rounds GROUP BY run_id")
    .all() as Array<{ run_id: string; done: number; running: number | null }>
}
