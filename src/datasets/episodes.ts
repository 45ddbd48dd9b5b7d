import { presentSatisfaction, utterancesOf, type RunStore } from '../store/index.ts'

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
  const out = new Map<number, EpisodeOutcome>()
  for (const r of presentSatisfaction(store, runId)) out.set(r.agent, { agent: r.agent, passed: false, score: Math.round(r.score * 1e4) / 1e4, rounds: r.rounds })
  for (const p of utterancesOf(store, runId, { kind: 'praise' })) {
    const e = out.get(p.agent)
    if (e) e.passed = true
  }
  return out
}
