import { z } from 'zod'
import { defineAgent, rngFor, type AgentDef, type Catalog, type Persona, type StepContext, type Utterance } from '../../../src/core/index.ts'
import { closeTrial, firstTrial, trialState, trialView } from '../trials.ts'
import { personaBrief } from '../ailo/index.ts'
import { questionSlot } from '../../recommenders/crs/dialogue-state.ts'
import { crsUserTurn, type CrsUserTurnInput } from './tasks/crs-user-turn.ts'

/** The hidden target of a conversational user (persona.hidden.target). */
export const crsTarget = z.object({
  id: z.number().int(), title: z.string(), category: z.string(), tags: z.array(z.string()), price: z.number(), maxTurns: z.number().int().positive(),
  /** Trials of the episode (RetroAct): a failed dialogue restarts, with the same target, up to this many times in all. */
  trials: z.number().int().positive().default(1),
})
export type CrsTarget = z.infer<typeof crsTarget>

/** A conversational user's state: the episode's bookkeeping, which the scenario's metrics read. */
export const crsEpisode = z.object({
  /** The target's item id (metrics check the CRS's search results against it). */
  target: z.number().int(),
  turns: z.number().int(),
  found: z.boolean(),
  done: z.boolean(),
  revealed: z.array(z.string()),
  stated: z.object({ category: z.string().optional(), tags: z.array(z.string()) }),
  recommended: z.array(z.string()),
  history: z.array(z.object({ role: z.enum(['user', 'system']), text: z.string() })),
  scores: z.object({ recSum: z.number(), recN: z.number(), stratSum: z.number(), stratN: z.number(), expSum: z.number(), expN: z.number() }),
  leaks: z.number().int(),
  /** The user's first words (a vague request). */
  opening: z.string(),
}).extend(trialState.shape)
export type CrsEpisode = z.infer<typeof crsEpisode>

export function crsTargetOf(p: Persona): CrsTarget {
  const t = crsTarget.safeParse(p.hidden.target)
  if (!t.success) throw new Error(`persona ${p.id} has no conversational target (hidden.target): ${t.error.issues[0]?.message}`)
  return t.data
}

/** Picks a user's target: an item of a favourite category with a liked tag (else any), seeded. */
export function drawCrsTarget(p: Persona, catalog: Catalog, seed: number, maxTurns: number, trials = 1): CrsTarget {
  const likes = new Set(p.likes.map((l) => l.tag))
  const fav = new Set(p.favouriteCategories)
  let pool = catalog.items.filter((it) => fav.has(it.category) && it.tags.some((g) => likes.has(g)))
  if (!pool.length) pool = catalog.items
  const it = pool[rngFor(seed, 'crs-target', p.id).int(pool.length)]!
  return { id: it.id, title: it.title, category: it.category, tags: it.tags, price: it.price, maxTurns, trials }
}

const VAGUE = ["I'm looking for something to watch.", 'Can you recommend me something?', 'I need a recommendation for tonight.', 'Any suggestions for me?']
const HISTORY = 12

/** Which slot a question is about (what the user hears in it). */
export function asksAbout(text: string): CrsUserTurnInput['system']['asksAbout'] {
  return questionSlot(text)
}

/**
 * The AILO user of a conversational recommender (ECPO): a hidden target item, a persona
 * with an activity type and a linguistic style. Its first words (a fixed, vague request)
 * are in its initial state; each round it hears the system's turn (StepContext.message and
 * the slate: the recommended item first), rates it, picks answer-clarification, feedback or
 * end, and replies without ever naming the target (a leaked title is cut and counted).
 */
export function crsUserAgent(): AgentDef<CrsEpisode> {
  return defineAgent<CrsEpisode>({
    name: 'crs-user',
    initialSatisfaction: 0,
    initialState: (p: Persona, rng): CrsEpisode => ({
      target: crsTargetOf(p).id,
      turns: 0, found: false, done: false, revealed: [], stated: { tags: [] }, recommended: [], history: [],
      scores: { recSum: 0, recN: 0, stratSum: 0, stratN: 0, expSum: 0, expN: 0 }, leaks: 0,
      opening: rng.pick(VAGUE),
      ...firstTrial(crsTargetOf(p).trials),
    }),
    // Its first words: a fixed, vague request the CRS hears in round 0.
    opening: (s) => [{ kind: 'request', text: s.opening }],
    history: () => [],
    trial: (s) => trialView(s),
    visit: ({ state, present }) => present && !state.done,
    step: async (ctx: StepContext<CrsEpisode>) => {
      const { persona, state, slate, catalog, round } = ctx
      const target = crsTargetOf(persona)
      const ep = structuredClone(state)
      // The turn within the current trial (a restarted dialogue counts from 0 again).
      const turn = ep.turns
      if (!ep.history.length) ep.history.push({ role: 'user', text: ep.opening })
      const text = ctx.message ?? ''
      const rec = slate.length ? catalog.items[slate[0]!]! : undefined
      const action: CrsUserTurnInput['system']['action'] = rec ? 'recommend' : text.includes('?') ? 'ask' : 'respond'
      const out = await ctx.task(crsUserTurn, {
        persona: personaBrief(persona),
        history: ep.history.slice(-HISTORY),
        system: {
          text,
          action,
          ...(action === 'ask' ? { asksAbout: asksAbout(text) } : {}),
          ...(rec ? { item: { title: rec.title, category: rec.category, tags: rec.tags, price: rec.price } } : {}),
        },
        turn,
        maxTurns: target.maxTurns,
        // Copies: the call's input is recorded as it was asked, and `ep` changes below.
        hidden: { target: { id: target.id, title: target.title, category: target.category, tags: [...target.tags], price: target.price }, revealed: [...ep.revealed], stated: structuredClone(ep.stated), recommendedBefore: [...ep.recommended] },
      })
      let response = out.response
      if (response.toLowerCase().includes(target.title.toLowerCase())) {
        ep.leaks++
        response = response.replace(new RegExp(target.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'ig'), 'that kind of thing')
      }
      // What the reply disclosed (read from the words, so a model's replies count the same way).
      const said = response.toLowerCase()
      if (said.includes(target.category) && !ep.revealed.includes('category')) {
        ep.revealed.push('category')
        ep.stated.category = target.category
      }
      for (const g of target.tags) {
        if (said.includes(g) && !ep.revealed.includes(`tag:${g}`)) {
          ep.revealed.push(`tag:${g}`)
          ep.stated.tags.push(g)
        }
      }
      if (/under \$?\d+/.test(said) && !ep.revealed.includes('price')) ep.revealed.push('price')
      const r = out.ratings
      if (r.recommendation > 0) [ep.scores.recSum, ep.scores.recN] = [ep.scores.recSum + r.recommendation, ep.scores.recN + 1]
      ep.scores.stratSum += r.strategy
      ep.scores.stratN++
      ep.scores.expSum += r.expression
      ep.scores.expN++
      const hit = rec?.id === target.id
      if (hit) ep.found = true
      if (rec) ep.recommended.push(rec.title)
      ep.turns++
      const lastTurn = turn >= target.maxTurns - 1
      ep.done = out.policy === 'end_conversation' || hit || lastTurn
      ep.history.push({ role: 'system', text }, { role: 'user', text: response })
      ep.history = ep.history.slice(-HISTORY)
      // A dialogue that ends says so in its kind (praise: found; complaint: not), whatever the reply's policy:
      // trial boundaries are read back from these.
      const kind = hit ? 'praise' : ep.done ? 'complaint' : out.policy === 'respond_to_clarification' ? 'answer' : out.policy === 'provide_feedback' ? 'reply' : 'complaint'
      const utterances: Utterance[] = [{ kind, text: response }]
      ep.trialSatisfaction += r.expression / 5
      if (ep.done && ep.trials > 1) {
        const ending = hit ? 'passed' : lastTurn ? 'out-of-turns' : 'left-unsatisfied'
        if (closeTrial(ep, ending, ep.turns)) {
          // The same user, the same target, a fresh dialogue: it opens again with its vague request.
          Object.assign(ep, { turns: 0, done: false, revealed: [], stated: { tags: [] }, recommended: [], history: [] })
          utterances.push({ kind: 'request', text: ep.opening })
        }
      }
      return {
        state: ep,
        clicks: hit ? [target.id] : [],
        ratings: hit ? [5] : [],
        satisfaction: r.expression / 5,
        left: ep.done,
        utterances,
      }
    },
  })
}
