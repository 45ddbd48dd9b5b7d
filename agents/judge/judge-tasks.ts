import { z } from 'zod'
import { defineTask } from '../../src/core/index.ts'
import { tokens } from '../explanations/claims.ts'
import { clarityScore, CONTRADICTIONS, UNSAFE_WORDS, type ExplanationVerdict, type InterestVerdict, type TagVerdict } from './criteria.ts'

/**
 * The judge service shared by the LLM recommenders (RecGPT's human–LLM cooperative judge;
 * HF4Rec's multi-perspective scorers): one task per kind of output. On a model it reads the
 * prompt; its surrogate checks what can be checked from the same input (history counts,
 * claims against the item's attributes, length, repetition, a word list). It never sees the
 * users' hidden tastes: its agreement with them is measured, not built in.
 */
const systemText =
  'You are a strict reviewer of a recommender system\'s outputs. For each output, give a pass (true) or fail ' +
  '(false) on every criterion named. Answer with JSON only.'

export const judgeInterestsInput = z.object({
  /** The compressed behaviour history the interests were mined from: attribute and weighted count, strongest first. */
  history: z.array(z.object({ attribute: z.string(), weight: z.number() })).max(40),
  interests: z.array(z.string()).max(10),
})
export const judgeInterestsOutput = z.object({
  verdicts: z
    .array(z.object({ willingness: z.boolean().describe('the user would want more of this'), reasonableness: z.boolean().describe('the history supports it') }))
    .describe('one verdict per interest, in order'),
})

export const judgeInterests = defineTask({
  name: 'judge-interests',
  version: 1,
  input: judgeInterestsInput,
  output: judgeInterestsOutput,
  prompt: (i) => [
    { role: 'system', content: systemText },
    {
      role: 'user',
      content:
        `A user's behaviour history (attribute: weighted count): ${i.history.map((h) => `${h.attribute}: ${h.weight}`).join(', ') || 'empty'}.\n` +
        `Interests inferred for this user: ${i.interests.map((x, k) => `${k + 1}. ${x}`).join('; ')}.\n` +
        'For each interest judge willingness (would the user want more of it) and reasonableness (does the history support it).',
    },
  ],
  surrogate: (i) => ({ verdicts: i.interests.map((x) => judgeInterestSurrogate(x, i.history)) }),
})

function judgeInterestSurrogate(interest: string, history: ReadonlyArray<{ attribute: string; weight: number }>): InterestVerdict {
  const words = new Set(tokens(interest))
  const total = history.reduce((s, h) => s + h.weight, 0) || 1
  const support = history.filter((h) => words.has(h.attribute.toLowerCase())).reduce((s, h) => s + h.weight, 0) / total
  const rank = history.findIndex((h) => words.has(h.attribute.toLowerCase()))
  return { reasonableness: support >= 0.08, willingness: rank >= 0 && rank < 8 }
}

export const judgeTagsInput = z.object({
  interests: z.array(z.string()).max(10),
  tags: z.array(z.string()).max(30),
  /** Simulator-side facts the prompt does not show: catalog items each tag matches. */
  hidden: z.object({ matches: z.array(z.number().int().nonnegative()) }),
})
export const judgeTagsOutput = z.object({
  verdicts: z
    .array(
      z.object({
        relevance: z.boolean().describe('follows from one of the interests'),
        consistency: z.boolean().describe('its words do not contradict each other'),
        specificity: z.boolean().describe('a modifier plus a core word, not a bare category'),
        validity: z.boolean().describe('describes items that exist'),
      }),
    )
    .describe('one verdict per tag, in order'),
})

export const judgeTags = defineTask({
  name: 'judge-tags',
  version: 1,
  input: judgeTagsInput,
  output: judgeTagsOutput,
  prompt: (i) => [
    { role: 'system', content: systemText },
    {
      role: 'user',
      content:
        `Interests: ${i.interests.join('; ')}.\nTags predicted from them: ${i.tags.map((t, k) => `${k + 1}. ${t}`).join('; ')}.\n` +
        'For each tag judge relevance, consistency, specificity and validity.',
    },
  ],
  surrogate: (i) => ({ verdicts: i.tags.map((t, k) => judgeTagSurrogate(t, i.interests, i.hidden.matches[k] ?? 0)) }),
})

function judgeTagSurrogate(tag: string, interests: readonly string[], matches: number): TagVerdict {
  const words = tokens(tag)
  const interestWords = new Set(interests.flatMap(tokens))
  const set = new Set(words)
  return {
    relevance: words.some((w) => interestWords.has(w)),
    consistency: set.size === words.length && !CONTRADICTIONS.some(([a, b]) => set.has(a) && set.has(b)),
    specificity: words.length >= 2,
    validity: matches > 0,
  }
}

export const judgeExplanationsInput = z.object({
  interests: z.array(z.string()).max(10),
  items: z.array(z.object({ id: z.number().int().nonnegative(), title: z.string(), category: z.string(), tags: z.array(z.string()), explanation: z.string() })).max(50),
  /** Simulator-side: the attributes each explanation names (see agents/explanations/claims.ts). */
  hidden: z.object({ claims: z.array(z.array(z.string())) }),
})
export type JudgeExplanationsInput = z.infer<typeof judgeExplanationsInput>
export const judgeExplanationsOutput = z.object({
  verdicts: z
    .array(
      z.object({
        relevance: z.boolean().describe('speaks to the user\'s interests'),
        factuality: z.boolean().describe('every claim holds for the item'),
        clarity: z.boolean().describe('one clear, readable sentence'),
        safety: z.boolean().describe('nothing offensive, misleading or pushy'),
      }),
    )
    .describe('one verdict per item, in order'),
})

export const judgeExplanations = defineTask({
  name: 'judge-explanations',
  version: 1,
  input: judgeExplanationsInput,
  output: judgeExplanationsOutput,
  record: true,
  prompt: (i) => [
    { role: 'system', content: systemText },
    {
      role: 'user',
      content:
        `The user's interests: ${i.interests.join('; ') || 'unknown'}.\n` +
        i.items.map((it, k) => `${k + 1}. "${it.title}" (${it.category}; ${it.tags.join(', ')}): ${it.explanation}`).join('\n') +
        '\nFor each explanation judge relevance, factuality (check every claim against the item\'s category and tags), clarity and safety.',
    },
  ],
  surrogate: (i) => ({ verdicts: i.items.map((it, k) => judgeExplanationSurrogate(it, i.hidden.claims[k] ?? [], i.interests)) }),
})

export function judgeExplanationSurrogate(item: JudgeExplanationsInput['items'][number], claims: readonly string[], interests: readonly string[]): ExplanationVerdict {
  const attrs = new Set([item.category.toLowerCase(), ...item.tags.map((t) => t.toLowerCase())])
  const interestWords = new Set(interests.flatMap(tokens))
  const words = tokens(item.explanation)
  return {
    relevance: claims.some((c) => interestWords.has(c) && attrs.has(c)),
    factuality: claims.every((c) => attrs.has(c)),
    clarity: clarityScore(words) >= 0.6,
    safety: !words.some((w) => UNSAFE_WORDS.has(w)),
  }
}

export type { ExplanationVerdict, InterestVerdict, TagVerdict }
