import { z } from 'zod'
import { defineTask } from '../../../src/core/index.ts'

/** What went wrong in a failed trial: the reflector names it so that the next trial can act on it. */
export const failureKind = z.enum([
  'condition-ignored', 'negative-violated', 'drifted-interest', 'repeated-question', 'no-guidance', 'wrong-pick', 'too-slow', 'gave-up',
])
export type FailureKind = z.infer<typeof failureKind>

/** A lesson carried into the next trials (the policy's reflection memory). */
export const lesson = z.object({ trial: z.number().int().nonnegative(), diagnosis: z.array(failureKind).max(8), text: z.string().min(1).max(800) })
export type Lesson = z.infer<typeof lesson>

export const reflectTrialInput = z.object({
  /** The planner's instruction (what it was asked to do). */
  instruction: z.string().max(1000),
  trial: z.number().int().nonnegative(),
  outcome: z.object({ ending: z.enum(['passed', 'gave-up', 'left-unsatisfied', 'out-of-turns']), reward: z.number(), rounds: z.number().int() }),
  /** The trial, step by step: what the planner observed and what it did. */
  trajectory: z.array(z.object({ observation: z.string().max(800), action: z.string().max(800) })).max(30),
  /** What the policy's own bookkeeping shows (facts, not judgements): the evidence a lesson cites. */
  evidence: z.array(z.object({ kind: failureKind, detail: z.string().max(400) })).max(20),
  /** What the policy understood of the user at the end, in its memory's JSON. */
  understood: z.string().max(4000),
  /** Items shown and not accepted (ids). */
  shown: z.array(z.number().int()).max(200),
  /** Lessons of earlier trials. */
  lessons: z.array(lesson).max(10),
})
export type ReflectTrialInput = z.infer<typeof reflectTrialInput>

export const reflectTrialOutput = z.object({
  diagnosis: z.array(failureKind).min(1).max(8),
  /** The lesson, addressed to the planner of the next trial. */
  lesson: z.string().min(1).max(800),
  /** What still holds about the user, in the same JSON as `understood` ("" for nothing). */
  carry: z.string().max(4000),
  /** Items not to show again. */
  avoid: z.array(z.number().int()).max(200),
})
export type ReflectTrialOutput = z.infer<typeof reflectTrialOutput>

const ADVICE: Record<FailureKind, string> = {
  'condition-ignored': 'Honour every condition the user stated from the first turn.',
  'negative-violated': 'Never show items with attributes the user ruled out.',
  'drifted-interest': 'The user changed their mind mid-way: follow the latest wish, not the first.',
  'repeated-question': 'Do not ask again what the user already told you; recommend once genre and mood are known.',
  'no-guidance': 'Every turn must ask one question or recommend one item.',
  'wrong-pick': 'Recommend the result that fits what was said best, not a weaker one.',
  'too-slow': 'Start from what you already know about this user and recommend sooner.',
  'gave-up': 'The user lost patience: get to a fitting item in fewer turns.',
}

/**
 * The surrogate reflector: reads the failed trial's evidence and names each cause with
 * its detail ("I recommended 'X' although the user asked for a comedy"), adds the advice
 * for it, and carries forward what was understood and the items already refused.
 */
export function surrogateReflect(i: ReflectTrialInput): ReflectTrialOutput {
  const kinds = [...new Set(i.evidence.map((e) => e.kind))]
  const diagnosis: FailureKind[] = kinds.length ? kinds : [i.outcome.ending === 'gave-up' || i.outcome.ending === 'left-unsatisfied' ? 'gave-up' : 'too-slow']
  const said = i.evidence.map((e) => e.detail).slice(0, 4)
  const text = [
    `Trial ${i.trial + 1} failed (${i.outcome.ending} after ${i.outcome.rounds} rounds).`,
    ...said.map((d) => `${d.endsWith('.') ? d : `${d}.`}`),
    ...diagnosis.map((k) => ADVICE[k]),
    i.shown.length ? `Do not show the ${i.shown.length} items already refused again.` : '',
  ]
    .filter(Boolean)
    .join(' ')
  return { diagnosis, lesson: text.slice(0, 800), carry: i.understood, avoid: i.shown.slice(-200) }
}

/** RetroAct's reflector: after a failed trial, a lesson for the next one. */
export const reflectTrial = defineTask({
  name: 'reflect-trial',
  version: 1,
  record: true,
  input: reflectTrialInput,
  output: reflectTrialOutput,
  prompt: (i) => [
    {
      role: 'system',
      content: [
        'You are the reflector of a recommender agent. The agent just failed a trial with a user; the same user will come back with the same',
        'wish for another trial. Read the trajectory and the evidence and write a short lesson for the agent\'s next trial: name what went',
        'wrong concretely (a condition ignored, a negative preference violated, an interest that drifted, a repeated question, no way forward,',
        'a weak pick, too slow) and what to do instead. Also return what still holds about the user (same JSON as "understood"; "" for',
        'nothing) and the ids of items not to show again.',
        'Answer with JSON only: {"diagnosis": [kinds], "lesson": "...", "carry": "...", "avoid": [ids]}. Kinds: ' + failureKind.options.join(', ') + '.',
      ].join('\n'),
    },
    {
      role: 'user',
      content:
        `The agent's instruction: ${i.instruction}\n` +
        `Trial ${i.trial + 1}: ${i.outcome.ending} after ${i.outcome.rounds} rounds (reward ${i.outcome.reward}).\n` +
        `Trajectory:\n${i.trajectory.map((s, k) => `${k + 1}. observed: ${s.observation}\n   did: ${s.action}`).join('\n')}\n` +
        `Evidence:\n${i.evidence.map((e) => `- ${e.kind}: ${e.detail}`).join('\n') || '- none recorded'}\n` +
        `Understood at the end: ${i.understood}\nItems shown and refused: ${i.shown.join(', ') || 'none'}\n` +
        `Earlier lessons:\n${i.lessons.map((l) => `- trial ${l.trial + 1}: ${l.text}`).join('\n') || '- none'}`,
    },
  ],
  surrogate: surrogateReflect,
})

/** The lessons block of a planner prompt. */
export function lessonsText(lessons: readonly Lesson[]): string {
  return lessons.length ? `Lessons from your earlier trials with this user:\n${lessons.map((l) => `- trial ${l.trial + 1}: ${l.text}`).join('\n')}\n` : ''
}
