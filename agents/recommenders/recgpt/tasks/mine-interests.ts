import { z } from 'zod'
import { defineTask, type Rng } from '../../../../src/core/index.ts'

/** RecGPT's user-interest mining: a compressed history in, interests with reasons out. */
export const mineInterestsInput = z.object({
  history: z.array(z.object({ attribute: z.string(), weight: z.number() })).max(40),
  recentTitles: z.array(z.string()).max(10),
  /** What the user asked for or complained about lately. */
  said: z.array(z.string()).max(5),
  /** Catalog attributes the user named in what it said. */
  saidAttributes: z.array(z.string()).max(20),
  /** Simulator-side: the surrogate's error model (a model's own errors come from the model). */
  hidden: z.object({ hallucination: z.number().min(0).max(1), unrelated: z.array(z.string()).max(5) }),
})
export type MineInterestsInput = z.infer<typeof mineInterestsInput>

export const mineInterestsOutput = z.object({
  interests: z.array(z.object({ interest: z.string().min(1).max(60), reason: z.string().max(200) })).max(8).describe('at most 5, strongest first'),
})
export type MineInterestsOutput = z.infer<typeof mineInterestsOutput>

/**
 * The surrogate keeps the attributes the user asked for, then those that carry at least 8%
 * of the history's weight (at most five), and with probability `hallucination` adds one the history does not support — the
 * error RecGPT's judge exists to catch.
 */
export function surrogateMineInterests(i: MineInterestsInput, rng: Rng): MineInterestsOutput {
  const total = i.history.reduce((s, h) => s + h.weight, 0)
  // What the user asked for comes first: stated interests outrank inferred ones.
  const interests = i.saidAttributes.slice(0, 3).map((a) => ({ interest: a, reason: 'the user asked for it' }))
  for (const h of i.history) {
    if (interests.length >= 5 || total <= 0 || h.weight / total < 0.08) break
    if (!interests.some((x) => x.interest === h.attribute)) interests.push({ interest: h.attribute, reason: `${Math.round((100 * h.weight) / total)}% of recent activity` })
  }
  if (i.hidden.unrelated.length && rng.next() < i.hidden.hallucination) {
    interests.splice(Math.min(interests.length, 4), 1, { interest: rng.pick(i.hidden.unrelated), reason: 'might enjoy something new' })
  }
  return { interests }
}

export const mineInterests = defineTask({
  name: 'recgpt-mine-interests',
  version: 1,
  input: mineInterestsInput,
  output: mineInterestsOutput,
  prompt: (i) => [
    {
      role: 'system',
      content:
        'You are the user-interest miner of a recommender. From a compressed behaviour history, infer at most five ' +
        'interests of the user, each one attribute or short phrase, with a one-line reason. Do not invent interests ' +
        'the history does not support. Answer with JSON only.',
    },
    {
      role: 'user',
      content:
        `History (attribute: recency-weighted count): ${i.history.map((h) => `${h.attribute}: ${h.weight}`).join(', ') || 'empty'}.\n` +
        `Recently opened: ${i.recentTitles.join('; ') || 'nothing'}.\nThe user said: ${i.said.join(' / ') || 'nothing'}.`,
    },
  ],
  surrogate: surrogateMineInterests,
})
