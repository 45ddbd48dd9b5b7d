import { z } from 'zod'
import { defineTask, type Rng } from '../../../../src/core/index.ts'
import { tokens } from '../../../explanations/claims.ts'

/** RecGPT's explanation generation: one sentence per recommended item. */
export const explainItemsInput = z.object({
  interests: z.array(z.string()).max(8),
  items: z.array(z.object({ id: z.number().int().nonnegative(), title: z.string(), category: z.string(), tags: z.array(z.string()) })).max(50),
  /** Simulator-side: the surrogate's rate of claims that do not hold (a model's own come from the model). */
  hidden: z.object({ hallucination: z.number().min(0).max(1) }),
})
export type ExplainItemsInput = z.infer<typeof explainItemsInput>

export const explainItemsOutput = z.object({
  explanations: z.array(z.string().max(300)).describe('one sentence per item, in order'),
})
export type ExplainItemsOutput = z.infer<typeof explainItemsOutput>

/**
 * The surrogate links each item to the user's interests it carries; with probability
 * `hallucination` it claims an interest the item does not carry (a plausible, false claim).
 */
export function surrogateExplainItems(i: ExplainItemsInput, rng: Rng): ExplainItemsOutput {
  const interestWords = [...new Set(i.interests.flatMap(tokens))]
  return {
    explanations: i.items.map((it) => {
      const attrs = [it.category, ...it.tags].map((a) => a.toLowerCase())
      const matched = interestWords.filter((w) => attrs.includes(w))
      const absent = interestWords.filter((w) => !attrs.includes(w))
      if (absent.length && rng.next() < i.hidden.hallucination) matched.unshift(rng.pick(absent))
      const traits = it.tags.slice(0, 2).join(' and ')
      const lead = matched[0]
      return lead
        ? `Because you enjoy ${matched.slice(0, 2).join(' and ')} titles, this ${it.category} is ${attrs.includes(lead) ? traits : `${lead}, ${traits}`}.`
        : `A ${traits} ${it.category} that viewers with similar habits keep opening.`
    }),
  }
}

export const explainItems = defineTask({
  name: 'recgpt-explain-items',
  version: 1,
  input: explainItemsInput,
  output: explainItemsOutput,
  prompt: (i) => [
    {
      role: 'system',
      content:
        'You write one short sentence per recommended item telling this user why it suits them. Only claim what the ' +
        'item\'s category and tags support. Answer with JSON only.',
    },
    {
      role: 'user',
      content: `The user's interests: ${i.interests.join('; ') || 'unknown'}.\n` + i.items.map((it, k) => `${k + 1}. "${it.title}" (${it.category}; ${it.tags.join(', ')})`).join('\n'),
    },
  ],
  surrogate: surrogateExplainItems,
})
