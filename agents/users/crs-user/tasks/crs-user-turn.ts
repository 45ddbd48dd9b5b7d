import { z } from 'zod'
import { defineTask, type Rng } from '../../../../src/core/index.ts'
import { article, categoryNoun } from '../../../recommenders/crs/item-phrase.ts'
import { personaBrief, personaText, type PersonaBrief } from '../../ailo/tasks/persona-text.ts'

const itemView = z.object({ title: z.string(), category: z.string(), tags: z.array(z.string()), price: z.number() })

export const crsUserTurnInput = z.object({
  persona: personaBrief,
  history: z.array(z.object({ role: z.enum(['user', 'system']), text: z.string() })).max(20),
  /** The system turn to answer and rate. */
  system: z.object({ text: z.string(), action: z.enum(['ask', 'recommend', 'respond']), asksAbout: z.enum(['category', 'tags', 'price', 'other']).optional(), item: itemView.optional() }),
  turn: z.number().int().nonnegative(),
  maxTurns: z.number().int().positive(),
  /** Simulator-only: the target (never named) and what has been disclosed of it. */
  hidden: z.object({
    target: itemView.extend({ id: z.number().int() }),
    revealed: z.array(z.string()),
    /** Attributes the user has stated so far (what the system should honour). */
    stated: z.object({ category: z.string().optional(), tags: z.array(z.string()) }),
    recommendedBefore: z.array(z.string()),
  }),
})
export type CrsUserTurnInput = z.infer<typeof crsUserTurnInput>

export const userPolicy = z.enum(['respond_to_clarification', 'provide_feedback', 'end_conversation'])

export const crsUserTurnOutput = z.object({
  policy: userPolicy,
  /** Hidden inner voice: why this policy and this reply. */
  reason: z.string().max(400),
  response: z.string().min(1).max(400),
  ratings: z.object({
    /** 0 when nothing was recommended. */
    recommendation: z.number().int().min(0).max(5),
    recommendationReason: z.string().max(300),
    strategy: z.number().int().min(1).max(5),
    strategyReason: z.string().max(300),
    deductions: z.object({ flexibility: z.number().int().min(0).max(2), coherence: z.number().int().min(0).max(2), guidance: z.number().int().min(0).max(1) }),
    /** 5 minus the deductions (expectation confirmation). */
    expression: z.number().int().min(0).max(5),
    expressionReason: z.string().max(400),
  }),
})
export type CrsUserTurnOutput = z.infer<typeof crsUserTurnOutput>

const OPEN: Record<PersonaBrief['tone'], string[]> = { friendly: ['Sure!', 'Oh nice,', 'Thanks!'], neutral: ['', 'Ok.', 'Well,'], blunt: ['No.', 'Look,', 'Hmm.'] }

function nextReveal(i: CrsUserTurnInput, prefer?: 'category' | 'tags' | 'price'): { key: string; phrase: string } | undefined {
  const t = i.hidden.target
  const options: { key: string; phrase: string; slot: string }[] = [
    { key: 'category', phrase: `${article(categoryNoun(t.category))} ${categoryNoun(t.category)}`, slot: 'category' },
    ...t.tags.map((g) => ({ key: `tag:${g}`, phrase: `something ${g}`, slot: 'tags' })),
    { key: 'price', phrase: `under $${Math.ceil(t.price / 10) * 10 + 5}`, slot: 'price' },
  ].filter((o) => !i.hidden.revealed.includes(o.key))
  return options.find((o) => o.slot === prefer) ?? options[0]
}

/**
 * The AILO user's turn in one call: rates the system turn (item match 0–5, strategy 1–5,
 * expectation confirmation 5 − deductions for flexibility, coherence and guidance, each
 * with a reason), picks a policy and replies, disclosing the target bit by bit, never by name.
 */
export function surrogateUserTurn(i: CrsUserTurnInput, rng: Rng): CrsUserTurnOutput {
  const { target, stated, recommendedBefore } = i.hidden
  const sys = i.system
  const p = i.persona
  const hit = sys.action === 'recommend' && sys.item?.title === target.title
  // Item match.
  let rec = 0
  let recReason = 'Nothing was recommended.'
  if (sys.action === 'recommend' && sys.item) {
    const shared = sys.item.tags.filter((g) => target.tags.includes(g)).length
    rec = hit ? 5 : Math.min(4, 1 + (sys.item.category === target.category ? 2 : 0) + Math.min(1, shared))
    recReason = hit ? 'Exactly what I was looking for.' : `${sys.item.category === target.category ? 'Right genre' : 'Wrong genre'}, ${shared ? 'some of the feel I want' : 'not the feel I want'}.`
  }
  // Deductions (expectation confirmation).
  let flexibility = 0
  let coherence = 0
  let guidance = 0
  const why: string[] = []
  if (sys.action === 'recommend' && sys.item && !hit) {
    const wrongCat = stated.category !== undefined && sys.item.category !== stated.category
    const missed = stated.tags.length > 0 && !stated.tags.some((g) => sys.item!.tags.includes(g))
    flexibility = (wrongCat ? 1 : 0) + (missed ? 1 : 0)
    if (flexibility) why.push(`It ignored what I said (${[wrongCat ? `I asked for ${stated.category}` : '', missed ? `I wanted it ${stated.tags.join(', ')}` : ''].filter(Boolean).join('; ')}).`)
    if (recommendedBefore.includes(sys.item.title)) {
      coherence = Math.max(coherence, 1)
      why.push('It suggested something it already suggested.')
    }
  }
  if (sys.action === 'ask') {
    const already = (sys.asksAbout === 'category' && stated.category !== undefined) || (sys.asksAbout === 'tags' && stated.tags.length > 0)
    if (already) {
      coherence = 2
      why.push('It asked something I had already answered.')
    }
  }
  if (sys.action === 'respond') {
    guidance = 1
    why.push('It gave me no question or suggestion to move forward.')
  }
  const expression = 5 - flexibility - coherence - guidance
  const expressionReason = why.join(' ') || 'The turn followed the conversation and moved it forward.'
  // Strategy.
  const known = (stated.category ? 1 : 0) + stated.tags.length
  let strategy = 3
  let strategyReason = 'A reasonable move.'
  if (hit) [strategy, strategyReason] = [5, 'It found my item.']
  else if (sys.action === 'ask') [strategy, strategyReason] = coherence ? [2, 'Repeating a question wastes my time.'] : known < 2 ? [4, 'A useful question at this point.'] : [3, 'It could have recommended by now.']
  else if (sys.action === 'recommend') [strategy, strategyReason] = known >= 2 ? [4, 'Recommending once it knew enough.'] : [2, 'Recommending before knowing what I want.']
  else [strategy, strategyReason] = [1, 'Empty talk.']
  // Policy and reply.
  const last = i.turn >= i.maxTurns - 1
  const fedUp = p.activityType === 'efficiency' && expression <= 2 && i.turn >= 2 && rng.next() < 0.5
  const opener = rng.pick(OPEN[p.tone])
  let policy: CrsUserTurnOutput['policy']
  let response: string
  let reason: string
  if (hit) {
    policy = 'end_conversation'
    response = `${p.tone === 'blunt' ? 'Finally.' : 'That is the one,'} I'll take it, thanks!`
    reason = 'The recommendation is my target.'
  } else if (last || fedUp) {
    policy = 'end_conversation'
    response = `${opener} I think I'll look elsewhere, thanks.`.trim()
    reason = last ? 'Out of turns.' : 'This is not going anywhere.'
  } else {
    const slot = sys.action === 'ask' && sys.asksAbout && sys.asksAbout !== 'other' ? sys.asksAbout : undefined
    const first = nextReveal(i, slot)
    const more = p.informationDensity === 'high' ? nextReveal({ ...i, hidden: { ...i.hidden, revealed: [...i.hidden.revealed, first?.key ?? ''] } }) : undefined
    const wish = [first?.phrase, more?.phrase].filter(Boolean).join(', ') || 'something a bit different'
    if (sys.action === 'ask') {
      policy = 'respond_to_clarification'
      response = `${opener} I'd like ${wish}.`.trim()
      reason = 'Answering the question with one more detail.'
    } else {
      policy = 'provide_feedback'
      const off = sys.item?.tags.find((g) => !target.tags.includes(g))
      response =
        sys.action === 'recommend'
          ? `${opener} ${opener ? 'not' : 'Not'} quite${off && p.informationDensity !== 'low' ? `, that one is too ${off}` : ''}. I want ${wish}.`.trim()
          : `${opener} I want ${wish}.`.trim()
      reason = 'The suggestion misses; steering toward what I want.'
    }
  }
  if (p.expressionStyle === 'questioning' && policy !== 'end_conversation') response += ' Do you have anything like that?'
  return {
    policy,
    reason,
    response: response.charAt(0).toUpperCase() + response.slice(1),
    ratings: { recommendation: rec, recommendationReason: recReason, strategy, strategyReason, deductions: { flexibility, coherence, guidance }, expression, expressionReason },
  }
}

export const crsUserTurn = defineTask({
  name: 'crs-user-turn',
  version: 1,
  record: true,
  input: crsUserTurnInput,
  output: crsUserTurnOutput,
  prompt: (i) => [
    {
      role: 'system',
      content: [
        'You simulate a user talking to a conversational recommender. You are looking for one specific item (described below) but you must',
        'NEVER say its title: disclose what you want gradually (genre, mood, price), one or two details per turn, in your own style.',
        'First rate the system\'s last turn: recommendation 0-5 (0 if nothing was recommended, 5 if it is your item), strategy 1-5,',
        'and expectation confirmation = 5 minus deductions for flexibility (0-2: ignoring what you said), coherence (0-2: repeating or',
        'contradicting the dialogue) and user guidance (0-1: no question or suggestion to move forward), with a reason for each.',
        'Then choose a policy: respond_to_clarification, provide_feedback, or end_conversation (when satisfied, or fed up; efficiency-seekers',
        'end sooner, explorers rarely), and write your reply. Answer with JSON only matching',
        '{"policy", "reason", "response", "ratings": {"recommendation", "recommendationReason", "strategy", "strategyReason", "deductions": {"flexibility", "coherence", "guidance"}, "expression", "expressionReason"}}.',
      ].join('\n'),
    },
    { role: 'system', content: personaText(i.persona) },
    {
      role: 'system',
      content: `The item you are looking for (never say its title): "${i.hidden.target.title}", a ${i.hidden.target.category}, ${i.hidden.target.tags.join(', ')}, about $${i.hidden.target.price}.`,
    },
    {
      role: 'user',
      content:
        `Dialogue so far:\n${i.history.map((t) => `${t.role}: ${t.text}`).join('\n')}\n` +
        `System's turn (${i.system.action}): ${i.system.text}\nTurn ${i.turn + 1} of ${i.maxTurns}.`,
    },
  ],
  surrogate: surrogateUserTurn,
})
