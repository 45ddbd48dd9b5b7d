import { z } from 'zod'
import { defineTask } from '../../../../src/core/index.ts'
import { consolidate, readCommand } from '../command-grammar.ts'
import { describeHard, emptyPreferences, preferences, type Preferences } from '../preferences.ts'

export const feedItemView = z.object({
  id: z.number().int().nonnegative(),
  title: z.string(),
  category: z.string(),
  price: z.number(),
  attributes: z.array(z.string()),
})

export const parseCommandInput = z.object({
  /** The feed the command was said about (grounding: "these", "long ones"). */
  feed: z.array(feedItemView).max(50),
  command: z.string(),
  memory: preferences,
  vocabulary: z.object({ attrs: z.record(z.string(), z.array(z.string())), categories: z.array(z.string()), softTags: z.array(z.string()) }),
})
export type ParseCommandInput = z.infer<typeof parseCommandInput>

export const parseCommandOutput = z.object({
  /** The consolidated memory P_{t+1}. */
  preferences,
  /** What this command alone said. */
  delta: preferences,
  update: z.enum(['preserve', 'integrate', 'overwrite', 'reset', 'none']),
  understood: z.boolean(),
  warning: z.string().optional(),
})
export type ParseCommandOutput = z.infer<typeof parseCommandOutput>

const fmt = (p: Preferences) =>
  JSON.stringify({ positive: p.positive, negative: p.negative })

/**
 * RecBot's Parser: (feed R_t, command c_t, memory P_t) → P_{t+1}. A command it cannot
 * read yields an empty delta, the memory unchanged and a warning.
 */
export const parseCommand = defineTask({
  name: 'parse-command',
  version: 1,
  record: true,
  input: parseCommandInput,
  output: parseCommandOutput,
  prompt: (i) => [
    {
      role: 'system',
      content: [
        'You are the Parser of an interactive recommendation feed. Turn the user\'s natural-language command about the feed',
        'into structured preferences and update the preference memory.',
        'Preferences have a positive and a negative side, each with hard constraints {attr, op, value} (op: eq, neq, lt, lte, gt, gte, in, nin)',
        'for checkable attributes (category, price, year and the attributes listed below) and soft preferences {text, weight 0-1} for semantic wishes.',
        'Memory rules: preserve the memory on neutral feedback ("perfect", "thanks"); integrate compatible new wishes;',
        'on conflict ("no longer", "instead", a new value for the same attribute, a new price) the newer statement replaces the older one.',
        '"around X" means price between 0.8X and 1.2X. Complaints about the feed ("these are all short") are negative.',
        'If you cannot make sense of the command, keep the memory, return an empty delta, understood=false and a warning.',
        'Answer with JSON only: {"preferences": P, "delta": P, "update": "preserve|integrate|overwrite|reset|none", "understood": bool, "warning"?: string}.',
      ].join('\n'),
    },
    {
      role: 'system',
      content: `Attributes: ${Object.entries(i.vocabulary.attrs).map(([a, vs]) => `${a} (${vs.join(', ')})`).join('; ')}. Categories: ${i.vocabulary.categories.join(', ')}. Soft descriptors: ${i.vocabulary.softTags.join(', ')}.`,
    },
    {
      role: 'user',
      content:
        `Memory: ${fmt(i.memory)}\nFeed:\n` +
        i.feed.map((f, k) => `${k + 1}. ${f.title} (${f.category}; ${f.attributes.join(', ')}; $${f.price})`).join('\n') +
        `\nCommand: "${i.command}"`,
    },
  ],
  surrogate: (i) => {
    const read = readCommand(i.command, i.vocabulary)
    const { preferences: next, update } = consolidate(i.memory, read)
    return {
      preferences: next,
      delta: read.understood ? read.delta : emptyPreferences(),
      update,
      understood: read.understood,
      ...(read.understood ? {} : { warning: `could not interpret the command "${i.command.slice(0, 120)}"` }),
    }
  },
})

export { describeHard }
