import { z } from 'zod'
import { defineTask } from '../../../../src/core/index.ts'

/** RecGPT's item-tag prediction: "modifier + core word" tags per interest. */
export const predictTagsInput = z.object({
  interests: z.array(z.string()).max(8),
  history: z.array(z.object({ attribute: z.string(), weight: z.number() })).max(40),
  /** The catalog's core words (its categories); other attributes are modifiers. */
  categories: z.array(z.string()).max(200),
})
export type PredictTagsInput = z.infer<typeof predictTagsInput>

export const predictTagsOutput = z.object({
  tags: z.array(z.string().min(1).max(60)).max(16).describe('item tags of the form "modifier core", best first'),
})
export type PredictTagsOutput = z.infer<typeof predictTagsOutput>

/**
 * The surrogate pairs each interest with the history's strongest attributes of the other
 * kind: a modifier interest with the top core words, a core interest with the top modifiers.
 */
export function surrogatePredictTags(i: PredictTagsInput): PredictTagsOutput {
  const cores = new Set(i.categories.map((c) => c.toLowerCase()))
  const topCores = i.history.filter((h) => cores.has(h.attribute)).map((h) => h.attribute)
  const topMods = i.history.filter((h) => !cores.has(h.attribute)).map((h) => h.attribute)
  const tags: string[] = []
  for (const raw of i.interests) {
    const x = raw.toLowerCase()
    const pairs = cores.has(x) ? topMods.slice(0, 2).map((m) => `${m} ${x}`) : topCores.slice(0, 2).map((c) => `${x} ${c}`)
    for (const t of pairs.length ? pairs : [x]) if (!tags.includes(t)) tags.push(t)
  }
  return { tags: tags.slice(0, 12) }
}

export const predictTags = defineTask({
  name: 'recgpt-predict-tags',
  version: 1,
  input: predictTagsInput,
  output: predictTagsOutput,
  prompt: (i) => [
    {
      role: 'system',
      content:
        'You turn a user\'s interests into item tags for retrieval. Each tag is a modifier plus a core word, where the ' +
        `core word is one of the catalog's categories (${i.categories.join(', ')}). At most 12 tags. Answer with JSON only.`,
    },
    { role: 'user', content: `Interests: ${i.interests.join('; ') || 'none'}.\nHistory: ${i.history.map((h) => h.attribute).join(', ') || 'empty'}.` },
  ],
  surrogate: surrogatePredictTags,
})
