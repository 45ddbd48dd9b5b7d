import { z } from 'zod'
import { defineAgent, type AgentDef, type Item, type Persona, type StepContext, type Utterance } from '../../../src/core/index.ts'
import { personaBrief } from '../ailo/index.ts'
import { facetValue } from '../../recommenders/recbot/facets.ts'
import { feedCommand, type FeedCommandInput } from './tasks/feed-command.ts'
import { closeTrial, firstTrial, trialView, type TrialState } from '../trials.ts'
import { facetMet, feedTarget, fullyMatches, isHard, phaseAt, type Facet, type FeedTarget } from './target.ts'

/** The feed user's episode bookkeeping; metrics read it. */
export const feedEpisode = z.object({
  phase: z.number().int(),
  /** Facet keys said in the current phase, in order. */
  said: z.array(z.string()),
  commands: z.array(z.string()),
  passed: z.boolean(),
  passRound: z.number().int().nullable(),
  done: z.boolean(),
  /** Of the latest feed: the target's recall and NDCG, and CSR over the conditions said so far (null before any). */
  recall: z.number(),
  ndcg: z.number(),
  csr: z.number().nullable(),
  leaks: z.number().int(),
})
export type FeedEpisode = z.infer<typeof feedEpisode>

export function targetOf(persona: Persona): FeedTarget {
  const t = feedTarget.safeParse(persona.hidden.target)
  if (!t.success) throw new Error(`persona ${persona.id} has no interactive-feed target (hidden.target): ${t.error.issues[0]?.message}`)
  return t.data
}

/** The feed user's state: its episode, its trials, and the items it opened (its history). */
export interface FeedCommanderState extends FeedEpisode, TrialState {
  /** Items opened, oldest first (at most 20). */
  recent: number[]
  /** The round the current trial started in (rounds count from it within a trial). */
  trialStart: number
}

/** The most common value of an attribute among the feed items that break a facet (what "these are all …" refers to). */
function dominantViolation(items: readonly Item[], f: Facet): string | undefined {
  const attr = f.kind === 'category' ? 'category' : f.kind === 'attr' || f.kind === 'avoid' ? f.attr : undefined
  if (!attr) return undefined
  const counts = new Map<string, number>()
  for (const it of items) {
    if (facetMet(it, f)) continue
    const v = facetValue(it, attr)
    if (typeof v === 'string') counts.set(v, (counts.get(v) ?? 0) + 1)
  }
  let best: string | undefined
  let n = 0
  for (const [v, c] of counts) if (c > n) [best, n] = [v, c]
  return n * 2 >= items.length ? best : undefined
}

/**
 * The feed-commander: a RecBot-style user with hidden hard and soft conditions (and,
 * with drift, a change of mind mid-episode). Each round it looks at the feed, stops when
 * an item meets every condition ("perfect"), otherwise says the most visibly broken
 * condition as a command grounded in the feed (task `feed-command`). It gives up at the
 * last round. Leaving ends the episode: it never comes back.
 */
export function feedCommanderAgent(options: { paraphrase?: number } = {}): AgentDef<FeedCommanderState> {
  const paraphrase = options.paraphrase ?? 0.15
  return defineAgent<FeedCommanderState>({
    name: 'feed-commander',
    initialSatisfaction: 0,
    initialState: (persona): FeedCommanderState => ({
      phase: 0, said: [], commands: [], passed: false, passRound: null, done: false, recall: 0, ndcg: 0, csr: null, leaks: 0, recent: [],
      trialStart: 0, ...firstTrial(targetOf(persona).trials),
    }),
    history: (s) => s.recent,
    trial: (s) => trialView(s),
    visit: ({ state, present }) => present && !state.done,
    step: async (ctx: StepContext<FeedCommanderState>) => {
      const { persona, state, slate, catalog } = ctx
      const target = targetOf(persona)
      const ep: FeedCommanderState = structuredClone(state)
      // Rounds count from the start of the current trial (a restarted episode replays the same phases).
      const round = ctx.round - ep.trialStart
      const phaseIdx = target.phases.indexOf(phaseAt(target, round))
      const phase = target.phases[phaseIdx]!
      const items = slate.map((id) => catalog.items[id]!)
      const drifted = phaseIdx !== ep.phase
      const previousPhase = target.phases[ep.phase]!
      const previouslySaid = ep.said
      if (drifted) {
        ep.phase = phaseIdx
        ep.said = []
      }

      const pos = slate.indexOf(phase.item)
      ep.recall = pos >= 0 ? 1 : 0
      ep.ndcg = pos >= 0 ? 1 / Math.log2(pos + 2) : 0
      const said = phase.facets.filter((f) => isHard(f) && ep.said.includes(f.key))
      ep.csr = said.length && items.length ? items.filter((it) => said.every((f) => facetMet(it, f))).length / items.length : null
      const best = items.find((it) => fullyMatches(it, phase.facets))
      const bestShare = items.length ? Math.max(...items.map((it) => phase.facets.filter((f) => facetMet(it, f)).length / phase.facets.length)) : 0

      let intent: FeedCommandInput['intent']
      let kind: Utterance['kind'] = 'command'
      const lastRound = round >= target.maxRounds - 1 || (target.setting === 'single' && round >= 1)
      if (best && !drifted) {
        intent = { kind: 'stop' }
        kind = 'praise'
        ep.passed = true
        ep.passRound = round
        ep.done = true
      } else if (lastRound) {
        intent = { kind: 'give-up' }
        kind = 'complaint'
        ep.done = true
      } else if (drifted) {
        const from = previousPhase.facets.find((f) => f.key === 'color')
        const to = phase.facets.find((f) => f.key === 'color')
        intent = { kind: 'drift', from: from && from.kind === 'attr' ? from.value : 'that colour', to: to && to.kind === 'attr' ? to.value : 'something else' }
        ep.said = [...previouslySaid.filter((k) => k !== 'color'), 'color']
      } else if (target.setting === 'single') {
        intent = { kind: 'composite', facets: phase.facets }
        ep.said = phase.facets.map((f) => f.key)
      } else {
        // The condition the feed breaks most visibly: first in order broken by half the feed, else the most broken.
        const broken = phase.facets.map((f) => ({ f, share: items.filter((it) => !facetMet(it, f)).length / Math.max(1, items.length) })).filter((x) => x.share > 0)
        const pick = broken.find((x) => x.share >= 0.5) ?? broken.sort((a, b) => b.share - a.share)[0] ?? { f: phase.facets[0]!, share: 0 }
        const category = phase.facets.find((f) => f.kind === 'category')
        intent = { kind: 'facet', facet: pick.f, category: category?.kind === 'category' ? category.value : 'item', dominant: dominantViolation(items, pick.f) }
        if (!ep.said.includes(pick.f.key)) ep.said.push(pick.f.key)
      }

      const out = await ctx.task(feedCommand, {
        persona: personaBrief(persona),
        feed: items.map((it) => ({ title: it.title, price: it.price })),
        intent,
        previous: ep.commands.slice(-10),
        style: { paraphrase },
        hidden: { target: { title: phase.title } },
      })
      let text = out.text
      // The user must never name its target: a leaked title is cut out and counted.
      if (text.toLowerCase().includes(phase.title.toLowerCase())) {
        ep.leaks++
        text = text.replace(new RegExp(phase.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'ig'), 'that one')
      }
      ep.commands.push(text)
      ep.trialSatisfaction += bestShare
      if (ep.done && ep.trials > 1 && closeTrial(ep, ep.passed ? 'passed' : 'gave-up', round + 1)) {
        // The same shopper with the same wish comes back for another trial.
        Object.assign(ep, { phase: 0, said: [], commands: [], passed: false, passRound: null, done: false, trialStart: ctx.round + 1 })
      }
      const clicks = best && ep.passed ? [best.id] : []
      return {
        state: { ...ep, recent: [...state.recent, ...clicks].slice(-20) },
        clicks,
        ratings: clicks.map(() => 5),
        satisfaction: bestShare,
        left: ep.done,
        utterances: [{ kind, text }],
      }
    },
  })
}
