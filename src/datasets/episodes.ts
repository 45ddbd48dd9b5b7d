import type { RunStore } from '../store/index.ts'

export interface EpisodeOutcome {
  agent: number
  /** The user stopped satisfied (a `praise` utterance: "perfect", "that is the one"). */
  passed: boolean
  /** Mean satisfaction over the episode's rounds, in [0, 1]. */
  score: number
  rounds: number
}

/**
 * Episode outcomes of a run, from its events and utterances. Both seed-scenario users end
 * a successful episode with a `praise` utterance, which is what "passed" means here.
 */
export function episodeOutcomes(store: RunStore, runId: string): Map<number, EpisodeOutcome> {
  const key = store.runKey(runId)
  const out = new Map<number, EpisodeOutcome>()
  const rows = store.db
    .prepare('SELECT agent_id, avg(satisfaction) AS score, count(*) AS rounds FROM events WHERE run_key = ? AND present = 1 GROUP BY agent_id')
    .all(key) as { agent_id: number; score: number; rounds: number }[]
  for (const r of rows) out.set(r.agent_id, { agent: r.agent_id, passed: false, score: Math.round(r.score * 1e4) / 1e4, rounds: r.rounds })
  const praised = store.db.prepare("SELECT DISTINCT agent_id FROM utterances WHERE run_id = ? AND kind = 'praise'").all(runId) as { agent_id: number }[]
  for (const p of praised) {
    const e = out.get(p.agent_id)
    if (e) e.passed = true
  }
  return out
}
