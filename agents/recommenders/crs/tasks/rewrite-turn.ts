import { z } from 'zod'
import { defineTask } from '../../../../src/core/index.ts'
import { recommendText, crsTurnInput, crsTurnOutput, type CrsTurnOutput } from './crs-turn.ts'

export const rewriteTurnInput = z.object({
  /** The CRS's input at that turn (dialogue context, understood constraints, search results). */
  context: crsTurnInput,
  original: crsTurnOutput,
  score: z.number(),
  /** The user's stated causes of dissatisfaction (ECT disconfirmation). */
  reasons: z.object({ expression: z.string(), strategy: z.string(), recommendation: z.string() }),
  deductions: z.object({ flexibility: z.number(), coherence: z.number(), guidance: z.number() }),
})
export type RewriteTurnInput = z.infer<typeof rewriteTurnInput>

export const rewriteTurnOutput = z.object({ reason: z.string().max(400), refinement: crsTurnOutput })
export type RewriteTurnOutput = z.infer<typeof rewriteTurnOutput>

const SLOT_TEXT = { category: 'Which genre would you enjoy most right now?', tags: 'What mood should it have: light, dark, thoughtful, something else?', price: 'Is there a price you would rather stay under?' } as const

/**
 * ECPO's rewrite: improve a turn the user was dissatisfied with, using the stated reasons
 * as the cause, keeping the same action type and only changing wording, the question
 * or the pick (by its full title).
 */
export const rewriteTurn = defineTask({
  name: 'rewrite-turn',
  version: 1,
  input: rewriteTurnInput,
  output: rewriteTurnOutput,
  prompt: (i) => [
    {
      role: 'system',
      content: [
        'You improve one turn of a conversational recommender that a user was not satisfied with.',
        'Use the user\'s stated reasons as the cause of the dissatisfaction. Keep the same action type (ask stays ask, recommend stays recommend,',
        'respond stays respond); change only the wording, the question, or which search result is recommended (by its full title and id).',
        'The refinement must differ from the original. Answer with JSON only: {"reason": "...", "refinement": {"action", "slot"?, "item"?, "text"}}.',
      ].join('\n'),
    },
    {
      role: 'user',
      content:
        `Dialogue so far:\n${i.context.history.map((t) => `${t.role}: ${t.text}`).join('\n')}\n` +
        `Understood so far: ${JSON.stringify(i.context.constraints)}. Already asked: ${i.context.asked.join(', ') || 'nothing'}.\n` +
        `Search results:\n${i.context.candidates.map((c) => `[${c.id}] "${c.title}" (${c.category}; ${c.tags.join(', ')}; $${c.price})`).join('\n')}\n` +
        `Original turn: ${JSON.stringify(i.original)}\nUser's score: ${i.score}/5. Reasons: ${i.reasons.expression} ${i.reasons.strategy}`,
    },
  ],
  surrogate: (i) => {
    const o = i.original
    const c = i.context
    let refinement: CrsTurnOutput
    if (o.action === 'ask') {
      const slot = (['category', 'tags', 'price'] as const).find((s) => !c.asked.includes(s) && (s !== 'category' || !c.constraints.category) && (s !== 'tags' || !c.constraints.tags.length)) ?? 'price'
      const ack = c.constraints.category ? `Got it, a ${c.constraints.category}. ` : 'Happy to help. '
      refinement = { action: 'ask', slot, text: `${ack}${SLOT_TEXT[slot]}` }
    } else if (o.action === 'recommend') {
      const fit = (x: (typeof c.candidates)[number]) =>
        (c.constraints.category && x.category === c.constraints.category ? 3 : 0) + c.constraints.tags.filter((t) => x.tags.includes(t)).length - c.constraints.notTags.filter((t) => x.tags.includes(t)).length * 3
      const best = [...c.candidates].filter((x) => !c.rejected.includes(x.title)).sort((a, b) => fit(b) - fit(a) || a.id - b.id)[0] ?? c.candidates[0]
      const why = c.constraints.tags.length ? `, which matches the ${c.constraints.tags.join(' and ')} feel you asked for` : ''
      refinement = best ? { action: 'recommend', item: best.id, text: `${recommendText(best, why)} Want something different instead?` } : { ...o, text: `${o.text} Shall I narrow it down further?` }
    } else {
      refinement = { action: 'respond', text: 'There are many options; tell me a genre or a mood you enjoy and I will pick one for you.' }
    }
    if (refinement.text === o.text) refinement = { ...refinement, text: `${refinement.text} Let me know what you think.` }
    return { reason: `Addresses: ${i.reasons.expression}`, refinement }
  },
})
