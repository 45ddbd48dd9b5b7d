import { z } from 'zod'
import { defineTask, type Rng } from '../core/index.ts'
import { personaBrief, personaText } from '../../agents/users/ailo/tasks/persona-text.ts'

const candidate = z.object({
  id: z.number().int().nonnegative(),
  title: z.string(),
  genres: z.array(z.string()),
  tags: z.array(z.string()),
  year: z.number().int().optional(),
})
export type FidelityCandidate = z.infer<typeof candidate>

const describe = (c: FidelityCandidate) =>
  `[id ${c.id}] ${c.title} — ${c.genres.join(', ') || 'no genre'}${c.tags.length ? `; tagged ${c.tags.join(', ')}` : ''}`

export const judgeCandidatesInput = z.object({
  persona: personaBrief,
  /** The user's natural-language taste profile (from training history only). */
  profile: z.string(),
  candidates: z.array(candidate).min(1).max(60),
  /**
   * Simulator-only: the calibrated watch logit per candidate (persona utility, popularity
   * leaning, activity) and the std-dev of perception noise on that logit. Never in a prompt.
   */
  hidden: z.object({ logit: z.array(z.number()), noise: z.number().nonnegative() }),
})
export type JudgeCandidatesInput = z.infer<typeof judgeCandidatesInput>

export const judgeCandidatesOutput = z.object({
  items: z
    .array(z.object({ id: z.number().int().nonnegative(), watch: z.boolean() }))
    .describe('one entry per listed film: would you watch it and like it'),
})
export type JudgeCandidatesOutput = z.infer<typeof judgeCandidatesOutput>

/** Yes when the noisy calibrated logit is positive: the same perception noise AILO applies to utility. */
export function surrogateJudge(input: JudgeCandidatesInput, rng: Rng): JudgeCandidatesOutput {
  return {
    items: input.candidates.map((c, k) => ({ id: c.id, watch: (input.hidden.logit[k] ?? -Infinity) + input.hidden.noise * rng.normal() > 0 })),
  }
}

/**
 * Agent4Rec's preference-alignment question: given a mixed list of films, which would
 * this user watch and like? One yes/no per film.
 */
export const judgeCandidates = defineTask({
  name: 'judge-candidates',
  version: 1,
  input: judgeCandidatesInput,
  output: judgeCandidatesOutput,
  prompt: (i) => [
    {
      role: 'system',
      content:
        'You simulate one real viewer of a film recommendation service. For each film listed, say whether ' +
        'this viewer would choose to watch it and end up liking it. Judge each film on its own; the list ' +
        'may hold any number of films the viewer would like, including none. Answer with JSON only: ' +
        '{"items": [{"id": <id>, "watch": true|false}, ...]} with one entry per film.',
    },
    { role: 'system', content: `${personaText(i.persona)}\n${i.profile}` },
    { role: 'user', content: `Films:\n${i.candidates.map(describe).join('\n')}` },
  ],
  surrogate: surrogateJudge,
})

export const rateItemsInput = z.object({
  persona: personaBrief,
  profile: z.string(),
  scale: z.object({ min: z.number(), max: z.number(), step: z.number().positive() }),
  items: z.array(candidate).min(1).max(60),
  /** Simulator-only: the calibrated expected rating per item. */
  hidden: z.object({ expected: z.array(z.number()) }),
})
export type RateItemsInput = z.infer<typeof rateItemsInput>

export const rateItemsOutput = z.object({
  ratings: z.array(z.object({ id: z.number().int().nonnegative(), rating: z.number() })).describe('one rating per listed film'),
})
export type RateItemsOutput = z.infer<typeof rateItemsOutput>

/** Snaps a value onto the rating scale. */
export function snapRating(x: number, scale: { min: number; max: number; step: number }): number {
  const v = Math.min(scale.max, Math.max(scale.min, x))
  return Math.round((v - scale.min) / scale.step) * scale.step + scale.min
}

/** The calibrated expected rating, snapped to the scale (the least-squares answer). */
export function surrogateRate(input: RateItemsInput, _rng: Rng): RateItemsOutput {
  return { ratings: input.items.map((it, k) => ({ id: it.id, rating: snapRating(input.hidden.expected[k] ?? input.scale.min, input.scale) })) }
}

/** Rates films the user has watched, on the dataset's own scale. */
export const rateItems = defineTask({
  name: 'rate-items',
  version: 1,
  input: rateItemsInput,
  output: rateItemsOutput,
  prompt: (i) => [
    {
      role: 'system',
      content:
        'You simulate one real viewer of a film recommendation service. The viewer has just watched the ' +
        `films listed. Rate each one as this viewer would, from ${i.scale.min} to ${i.scale.max} in steps of ${i.scale.step}. ` +
        'Answer with JSON only: {"ratings": [{"id": <id>, "rating": <number>}, ...]} with one entry per film.',
    },
    { role: 'system', content: `${personaText(i.persona)}\n${i.profile}` },
    { role: 'user', content: `Films watched:\n${i.items.map(describe).join('\n')}` },
  ],
  surrogate: surrogateRate,
})
