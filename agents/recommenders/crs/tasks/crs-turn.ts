import { z } from 'zod'
import { defineTask, type Rng } from '../../../../src/core/index.ts'
import { crsConstraints, dialogueTurn } from '../dialogue-state.ts'
import { lesson, lessonsText } from '../../reflection/index.ts'
import { formatPrice, itemPhrase, joinWords, tagAdjective } from '../item-phrase.ts'

export const crsAction = z.enum(['ask', 'recommend', 'respond'])
export type CrsAction = z.infer<typeof crsAction>

export const crsCandidate = z.object({ id: z.number().int(), title: z.string(), category: z.string(), tags: z.array(z.string()), price: z.number() })

export const crsTurnInput = z.object({
  history: z.array(dialogueTurn).max(20),
  constraints: crsConstraints,
  /** Search results for the current constraints, best first. */
  candidates: z.array(crsCandidate).max(20),
  /** Slots already asked about (category, tags, price). */
  asked: z.array(z.string()),
  /** Items already recommended and not accepted. */
  rejected: z.array(z.string()),
  turn: z.number().int().nonnegative(),
  maxTurns: z.number().int().positive(),
  /** Lessons from earlier failed trials with this user (multi-trial episodes). */
  lessons: z.array(lesson).max(10).optional(),
})
export type CrsTurnInput = z.infer<typeof crsTurnInput>

export const crsTurnOutput = z.object({
  action: crsAction,
  /** The slot an `ask` is about. */
  slot: z.enum(['category', 'tags', 'price']).optional(),
  /** Candidate id a `recommend` names (one of the candidates). */
  item: z.number().int().optional(),
  text: z.string().min(1).max(500),
})
export type CrsTurnOutput = z.infer<typeof crsTurnOutput>

const SLOT_QUESTION: Record<'category' | 'tags' | 'price', string[]> = {
  category: ['What kind of genre are you in the mood for?', 'Which genre do you usually enjoy?'],
  tags: ['What mood or style should it have?', 'Any particular feel you are after, say light, dark or thoughtful?'],
  price: ['Do you have a budget in mind?'],
}

export function recommendText(c: z.infer<typeof crsCandidate>, why: string): string {
  return `I recommend "${c.title}", ${itemPhrase(c)} (${formatPrice(c.price)})${why}.`
}

/**
 * The surrogate CRS (an ActCRS-like agent with Ask / Recommend / Respond): asks for the
 * genre, then the mood, then recommends the best search result not yet rejected. Like a
 * small model it slips now and then: a question already answered, a pick that ignores
 * what was said, or a turn with no guidance. Those turns are what ECPO rewrites.
 */
export function surrogateCrsTurn(i: CrsTurnInput, rng: Rng): CrsTurnOutput {
  const rejected = new Set(i.rejected)
  const pool = i.candidates.filter((c) => !rejected.has(c.title))
  const slip = rng.next()
  const lastTurn = i.turn >= i.maxTurns - 1
  // A lesson that named a slip keeps the CRS from making it again.
  const learned = new Set((i.lessons ?? []).flatMap((l) => l.diagnosis))
  if (!lastTurn && slip < 0.08 && !learned.has('no-guidance')) return { action: 'respond', text: 'There are many good options out there.' }
  if (!lastTurn && slip >= 0.08 && slip < 0.16 && i.asked.length && !learned.has('repeated-question')) {
    const slot = rng.pick(i.asked) as 'category' | 'tags' | 'price'
    return { action: 'ask', slot, text: rng.pick(SLOT_QUESTION[slot]) }
  }
  if (!lastTurn && i.turn < 3) {
    if (!i.constraints.category && !i.asked.includes('category')) return { action: 'ask', slot: 'category', text: rng.pick(SLOT_QUESTION.category) }
    if (!i.constraints.tags.length && !i.asked.includes('tags')) return { action: 'ask', slot: 'tags', text: rng.pick(SLOT_QUESTION.tags) }
  }
  const weakPick = slip < 0.24 && !learned.has('wrong-pick') && !learned.has('condition-ignored')
  const pick = weakPick && pool.length > 1 ? pool[pool.length - 1]! : pool[0] ?? i.candidates[0]
  if (!pick) return { action: 'respond', text: 'Could you tell me a bit more about what you like?' }
  const why = i.constraints.tags.length ? ` since you wanted something ${joinWords(i.constraints.tags.map(tagAdjective))}` : ''
  return { action: 'recommend', item: pick.id, text: recommendText(pick, why) }
}

/** One turn of the conversational recommender (ECPO's CRS agent). */
export const crsTurn = defineTask({
  name: 'crs-turn',
  version: 2,
  record: true,
  input: crsTurnInput,
  output: crsTurnOutput,
  prompt: (i) => [
    {
      role: 'system',
      content: [
        'You are a conversational recommender. Each turn you either ask one clarifying question (action "ask", with the slot it is about:',
        'category, tags or price), recommend one item from the search results by its full title (action "recommend", with its id),',
        'or respond without either ("respond"). Lead the user toward an item they will love in at most ' + i.maxTurns + ' turns;',
        'do not ask what they already told you, honour what they said, and always give them a way forward.',
        'Answer with JSON only: {"action": "...", "slot"?: "...", "item"?: id, "text": "..."}.',
      ].join('\n'),
    },
    {
      role: 'user',
      content:
        `Dialogue so far:\n${i.history.map((t) => `${t.role}: ${t.text}`).join('\n')}\n` +
        `Understood so far: ${JSON.stringify(i.constraints)}. Already asked: ${i.asked.join(', ') || 'nothing'}. Rejected: ${i.rejected.join('; ') || 'none'}.\n` +
        `Search results:\n${i.candidates.map((c) => `[${c.id}] "${c.title}" (${c.category}; ${c.tags.join(', ')}; $${c.price})`).join('\n')}\n` +
        `Turn ${i.turn + 1} of ${i.maxTurns}.` +
        (i.lessons?.length ? `\n${lessonsText(i.lessons)}` : ''),
    },
  ],
  surrogate: surrogateCrsTurn,
})
