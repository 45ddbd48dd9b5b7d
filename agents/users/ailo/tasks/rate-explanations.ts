import { z } from 'zod'
import { defineTask, type Rng } from '../../../../src/core/index.ts'
import { tokens } from '../../../explanations/claims.ts'
import { clarityScore } from '../../../judge/criteria.ts'
import { personaBrief, personaText } from './persona-text.ts'

/**
 * How the user reads the explanations shown with a slate (HF4Rec's human simulator): five
 * aspect scores per item in [0, 1]. Factuality is what the user finds out once the item is
 * opened; before that, a claim persuades whether it is true or not.
 */
export const ASPECTS = ['relevance', 'factuality', 'informativeness', 'persuasiveness', 'clarity'] as const
export type Aspect = (typeof ASPECTS)[number]
export type AspectScores = Record<Aspect, number>

export const rateExplanationsInput = z.object({
  persona: personaBrief,
  items: z.array(z.object({ id: z.number().int().nonnegative(), title: z.string(), category: z.string(), tags: z.array(z.string()), explanation: z.string() })).max(50),
  /** Simulator-only: the attributes each explanation names, and the perceived fit per item in [0, 1]. */
  hidden: z.object({ claims: z.array(z.array(z.string())), fit: z.array(z.number()) }),
})
export type RateExplanationsInput = z.infer<typeof rateExplanationsInput>

const score = z.number().min(0).max(1)
export const rateExplanationsOutput = z.object({
  aspects: z
    .array(z.object({ item: z.number().int().nonnegative(), relevance: score, factuality: score, informativeness: score, persuasiveness: score, clarity: score }))
    .describe('one entry per item, each aspect from 0 (poor) to 1 (excellent)'),
})
export type RateExplanationsOutput = z.infer<typeof rateExplanationsOutput>

const r2 = (x: number) => Math.round(Math.min(1, Math.max(0, x)) * 100) / 100

/** The surrogate: each aspect from what the user can check (see docs/llm-recommenders.md). */
export function surrogateRateExplanations(input: RateExplanationsInput, rng: Rng): RateExplanationsOutput {
  const likes = new Set([...input.persona.likes, ...input.persona.favouriteCategories].map((x) => x.toLowerCase()))
  return {
    aspects: input.items.map((it, k) => {
      const claims = input.hidden.claims[k] ?? []
      const fit = input.hidden.fit[k] ?? 0.5
      const attrs = new Set([it.category.toLowerCase(), ...it.tags.map((t) => t.toLowerCase())])
      const trueClaims = claims.filter((c) => attrs.has(c)).length
      const liked = claims.filter((c) => likes.has(c)).length
      const clarity = clarityScore(tokens(it.explanation))
      const noise = () => 0.03 * rng.normal()
      return {
        item: it.id,
        relevance: r2(0.5 * fit + 0.5 * Math.min(1, liked / 2) + noise()),
        factuality: claims.length ? r2(trueClaims / claims.length) : 1,
        informativeness: r2(Math.min(1, trueClaims / 3) + noise()),
        persuasiveness: r2(0.45 * Math.min(1, liked / 2) + 0.25 * Math.min(1, claims.length / 3) + 0.3 * clarity + noise()),
        clarity: r2(clarity + noise()),
      }
    }),
  }
}

export const rateExplanations = defineTask({
  name: 'rate-explanations',
  version: 1,
  input: rateExplanationsInput,
  output: rateExplanationsOutput,
  record: true,
  prompt: (i) => [
    {
      role: 'system',
      content:
        'You simulate one user reading why a recommender suggests each item. Score every explanation from 0 to 1 on ' +
        'relevance (to you), factuality (its claims hold for the item as described), informativeness, persuasiveness ' +
        '(how much it makes you want to open the item) and clarity. Answer with JSON only.',
    },
    { role: 'system', content: personaText(i.persona) },
    { role: 'user', content: i.items.map((it) => `item ${it.id}: "${it.title}" (${it.category}; ${it.tags.join(', ')}) — ${it.explanation}`).join('\n') },
  ],
  surrogate: surrogateRateExplanations,
})
