import { z } from 'zod'
import { defineTask } from '../../../../src/core/index.ts'
import { categoryNoun, article, joinWords, tagAdjective } from '../item-phrase.ts'
import { recommendText, crsTurnInput, crsTurnOutput, type CrsTurnInput, type CrsTurnOutput } from './crs-turn.ts'

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

type Slot = 'category' | 'tags' | 'price'
const SLOT_TEXT: Record<Slot, string> = {
  category: 'Which genre would you enjoy most right now?',
  tags: 'What mood should it have: light, dark, thoughtful, something else?',
  price: 'Is there a price you would rather stay under?',
}

const known = (c: CrsTurnInput, s: Slot) => (s === 'category' ? c.constraints.category !== undefined : s === 'tags' ? c.constraints.tags.length > 0 : c.constraints.maxPrice !== undefined)

/** How well a search result fits what the user said (the rewriter's pick). */
function fit(c: CrsTurnInput, x: CrsTurnInput['candidates'][number]): number {
  const k = c.constraints
  return (k.category && x.category === k.category ? 3 : 0) + k.tags.filter((t) => x.tags.includes(t)).length - k.notTags.filter((t) => x.tags.includes(t)).length * 3 - (k.maxPrice !== undefined && x.price > k.maxPrice ? 1 : 0)
}

/**
 * The surrogate rewriter: fixes the cause the user named, changing the action when the
 * cause calls for it. A question about something already said, or a reply with no way
 * forward, becomes a recommendation once genre and mood are known (else a question about
 * a slot still open); a recommendation that ignored what was said becomes the best-fitting
 * search result not yet rejected, named by its full title.
 */
export function surrogateRewrite(i: RewriteTurnInput): RewriteTurnOutput {
  const o = i.original
  const c = i.context
  const pool = c.candidates.filter((x) => !c.rejected.includes(x.title))
  const best = [...pool].sort((a, b) => fit(c, b) - fit(c, a) || a.id - b.id)[0]
  const open = (['category', 'tags', 'price'] as const).find((s) => !known(c, s) && !c.asked.includes(s)) ?? (['category', 'tags'] as const).find((s) => !known(c, s))
  const ready = known(c, 'category') && known(c, 'tags')
  const why = c.constraints.tags.length ? `, which has the ${joinWords(c.constraints.tags.map(tagAdjective))} feel you asked for` : ''
  const recommend = (b: NonNullable<typeof best>): CrsTurnOutput => ({ action: 'recommend', item: b.id, text: `${recommendText(b, why)} Would you like something different instead?` })
  let refinement: CrsTurnOutput
  let cause: string
  if (o.action === 'recommend' && best) {
    refinement = recommend(best)
    cause = best.id === o.item ? 'the pick was already the best fit; say why it fits' : 'the pick ignored what the user said; recommend the best-fitting result'
  } else if (best && (ready || !open)) {
    refinement = recommend(best)
    cause = o.action === 'ask' ? 'the question asked what the user had already said; the results already fit, so recommend' : 'no way forward; the results already fit, so recommend'
  } else {
    const slot = open ?? 'category'
    const noun = c.constraints.category ? categoryNoun(c.constraints.category) : ''
    const ack = noun ? `Got it, ${article(noun)} ${noun}. ` : 'Happy to help. '
    refinement = { action: 'ask', slot, text: `${ack}${SLOT_TEXT[slot]}` }
    cause = o.action === 'ask' ? `ask about what is still open (${slot}) instead` : `no way forward; ask about ${slot}`
  }
  if (refinement.text === o.text) refinement = { ...refinement, text: `${refinement.text} Let me know what you think.` }
  return { reason: `${cause} (user: ${i.reasons.expression})`.slice(0, 400), refinement }
}

/**
 * ECPO's rewrite: improve a turn the user was dissatisfied with, using the stated reasons
 * as the cause. The action may change when the cause calls for it (a reply with no way
 * forward becomes a question or a recommendation); the rewrite must keep the CRS's rules.
 */
export const rewriteTurn = defineTask({
  name: 'rewrite-turn',
  version: 2,
  input: rewriteTurnInput,
  output: rewriteTurnOutput,
  prompt: (i) => [
    {
      role: 'system',
      content: [
        'You improve one turn of a conversational recommender that a user was not satisfied with.',
        "Use the user's stated reasons as the cause of the dissatisfaction and fix that cause. You may change the action (ask, recommend, respond)",
        'when the cause calls for it: e.g. recommend when the search results already fit what the user said instead of asking again.',
        'Keep the recommender\'s rules: do not ask what the user already told you; recommend only a search result, by its full title and id;',
        'do not name results you are not recommending; always give a way forward (a question or a recommendation).',
        'The refinement must differ from the original. Answer with JSON only: {"reason": "...", "refinement": {"action", "slot"?, "item"?, "text"}}.',
      ].join('\n'),
    },
    {
      role: 'user',
      content:
        `Dialogue so far:\n${i.context.history.map((t) => `${t.role}: ${t.text}`).join('\n')}\n` +
        `Understood so far: ${JSON.stringify(i.context.constraints)}. Already asked: ${i.context.asked.join(', ') || 'nothing'}. Rejected: ${i.context.rejected.join('; ') || 'none'}.\n` +
        `Search results:\n${i.context.candidates.map((c) => `[${c.id}] "${c.title}" (${c.category}; ${c.tags.join(', ')}; $${c.price})`).join('\n')}\n` +
        `Original turn: ${JSON.stringify(i.original)}\nUser's score: ${i.score}/5. Reasons: ${i.reasons.expression} ${i.reasons.strategy}`,
    },
  ],
  surrogate: surrogateRewrite,
})
