import { z } from 'zod'
import { defineTask } from '../../../../src/core/index.ts'
import { TOOLS } from '../tools.ts'
import { lesson, lessonsText } from '../../reflection/index.ts'

export const planToolsInput = z.object({
  /** Sizes of the four preference cells. */
  cells: z.object({ posHard: z.number().int(), posSoft: z.number().int(), negHard: z.number().int(), negSoft: z.number().int() }),
  /** The memory as text (for a model). */
  memory: z.string(),
  candidates: z.number().int().nonnegative(),
  historyLength: z.number().int().nonnegative(),
  /** Lessons from earlier failed trials with this user (multi-trial episodes). */
  lessons: z.array(lesson).max(10).optional(),
})
export type PlanToolsInput = z.infer<typeof planToolsInput>

export const toolCall = z.object({ name: z.string(), params: z.record(z.string(), z.unknown()).default({}) })

export const planToolsOutput = z.object({
  tools: z.array(toolCall).min(1).max(8),
  reason: z.string().max(300),
})
export type PlanToolsOutput = z.infer<typeof planToolsOutput>

/**
 * RecBot's Planner: picks the tool chain for this round's preferences. Tools are called
 * only when needed (no Filter without hard constraints, no Attenuator without negative
 * soft preferences); the Aggregator always ranks last.
 */
export const planTools = defineTask({
  name: 'plan-tools',
  version: 2,
  record: true,
  input: planToolsInput,
  output: planToolsOutput,
  prompt: (i) => [
    {
      role: 'system',
      content: [
        'You are the Planner of an interactive recommendation feed. Choose the chain of tools that turns the user\'s preferences into the next feed.',
        'Tools:',
        ...[...TOOLS.values()].map((t) => `- ${t.name}: ${t.description}`),
        'Call a tool only when it is needed; end with aggregator. matcher takes {"alpha": 0..1} (weight of the semantic match), attenuator takes {"beta": 0..2}.',
        'Answer with JSON only: {"tools": [{"name": "...", "params": {...}}], "reason": "..."}.',
      ].join('\n'),
    },
    {
      role: 'user',
      content:
        `Preferences: ${i.memory}\nCells: ${JSON.stringify(i.cells)}. Candidate items: ${i.candidates}. Items in the user's history: ${i.historyLength}.` +
        (i.lessons?.length ? `\n${lessonsText(i.lessons)}` : ''),
    },
  ],
  surrogate: (i) => {
    const tools: { name: string; params: Record<string, unknown> }[] = []
    const why: string[] = []
    if (i.cells.posHard + i.cells.negHard > 0) {
      tools.push({ name: 'filter', params: {} })
      why.push('hard constraints to enforce')
    }
    const alpha = i.cells.posSoft > 0 ? (i.historyLength > 0 ? 0.7 : 0.85) : 0
    tools.push({ name: 'matcher', params: { alpha } })
    why.push(i.cells.posSoft > 0 ? 'soft wishes to match' : 'collaborative ranking only')
    if (i.cells.negSoft > 0) {
      tools.push({ name: 'attenuator', params: { beta: 1 } })
      why.push('dislikes to push down')
    }
    tools.push({ name: 'aggregator', params: {} })
    return { tools, reason: why.join('; ') }
  },
})
