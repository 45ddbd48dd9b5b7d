import { z } from 'zod'
import type { TrialView } from '../../src/core/index.ts'

/** How one trial of a multi-trial episode went (the user's own bookkeeping; metrics and exports read it). */
export const trialResult = z.object({
  ending: z.enum(['passed', 'gave-up', 'left-unsatisfied', 'out-of-turns']),
  reward: z.number(),
  rounds: z.number().int(),
  satisfaction: z.number(),
})
export type TrialResult = z.infer<typeof trialResult>

/** The trial fields of a user's state. */
export const trialState = z.object({
  /** The current trial, 0 first. */
  trial: z.number().int().nonnegative(),
  /** Trials this episode may have (1: a single trial, as without reflection). */
  trials: z.number().int().positive(),
  /** Finished trials, in order. */
  results: z.array(trialResult),
  /** Satisfaction summed over the current trial's rounds. */
  trialSatisfaction: z.number(),
})
export type TrialState = z.infer<typeof trialState>

export const firstTrial = (trials: number): TrialState => ({ trial: 0, trials, results: [], trialSatisfaction: 0 })

/**
 * A trial's reward: 1 when the user stopped satisfied, else half its mean satisfaction
 * (in [0, 0.5)), so that a failed trial that came closer earns more.
 */
export function trialReward(passed: boolean, meanSatisfaction: number): number {
  return passed ? 1 : Math.round(0.5 * Math.min(1, Math.max(0, meanSatisfaction)) * 1e4) / 1e4
}

/** What the policy sees: the trial index and how the previous one ended. */
export function trialView(s: TrialState): TrialView | undefined {
  if (s.trials <= 1) return undefined
  const prev = s.results.length === s.trial && s.trial > 0 ? s.results[s.trial - 1] : undefined
  return { index: s.trial, of: s.trials, ...(prev ? { previous: { ending: prev.ending, reward: prev.reward, rounds: prev.rounds } } : {}) }
}

/**
 * Closes the current trial. Returns true when the episode goes on with another trial
 * (a failed trial with trials left); the caller then restarts its episode bookkeeping.
 */
export function closeTrial(s: TrialState, ending: TrialResult['ending'], rounds: number): boolean {
  const satisfaction = rounds ? Math.round((s.trialSatisfaction / rounds) * 1e4) / 1e4 : 0
  s.results.push({ ending, reward: trialReward(ending === 'passed', satisfaction), rounds, satisfaction })
  s.trialSatisfaction = 0
  if (ending === 'passed' || s.trial + 1 >= s.trials) return false
  s.trial++
  return true
}
