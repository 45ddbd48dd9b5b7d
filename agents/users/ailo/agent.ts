import {
  choiceLogit,
  defineAgent,
  type AgentDef,
  type Item,
  type OutgoingMessage,
  type Persona,
  type RequestContext,
  type SearchRequest,
  type StepContext,
  type Utterance,
} from '../../../src/core/index.ts'
import { decideContinue } from './tasks/decide-continue.ts'
import { claimsOf, claimVocabulary, falseClaims } from '../../explanations/claims.ts'
import { decidePurchase } from './tasks/decide-purchase.ts'
import { drawNeed, queryStyle, relevance } from './search-need.ts'
import { writeQuery, type SearchNeed } from './tasks/write-query.ts'
import { evaluateSlate, type EvaluateSlateInput } from './tasks/evaluate-slate.ts'
import type { PersonaBrief } from './tasks/persona-text.ts'
import { rateExplanations, type AspectScores } from './tasks/rate-explanations.ts'
import { shareItem } from './tasks/share-item.ts'
import { writeUtterance } from './tasks/write-utterance.ts'
import {
  reactions,
  shareChance,
  sharedItems,
  socialPull,
  updateTrust,
  WORD_OF_MOUTH_DEFAULTS,
  type SharedItem,
  type SocialMemory,
  type WordOfMouthOptions,
} from './word-of-mouth.ts'

/** Knobs of the AILO user-agent. */
export interface AiloOptions {
  /** Items kept in the recent-memory window. */
  memoryWindow: number
  /** Noise of perception (std-dev on utility). */
  perceptionNoise: number
  /** Position bias: utility lost per log2 of slate position. */
  positionBias: number
  /** Base chance of saying something per step. */
  speakRate: number
  /** Base chance of coming back in a round after leaving, scaled up by satisfaction. */
  returnBase: number
  /**
   * How much an explanation moves the perceived utility of its item: (persuasiveness − 0.5)
   * times this, bounded by ±explanationCap (utility units; perception noise is 0.25).
   */
  explanationWeight: number
  explanationCap: number
  /** Satisfaction lost per opened item whose explanation made a false claim about something the user likes. */
  falseClaimPenalty: number
  /** Word of mouth, when the scenario has a social layer (docs/social.md). */
  wordOfMouth?: Partial<WordOfMouthOptions>
  /**
   * E-commerce catalogs: after clicking, the user may add items to the cart and buy them
   * (task `decide-purchase`), within a per-visit budget.
   */
  commerce: boolean
  /** The median per-visit budget, in multiples of the catalog's mean price (commerce only). */
  budgetScale: number
  /**
   * Searching users: each visit the user searches for a need (task `write-query`), judges
   * the result page by its relevance to the need and its taste, and after a bad page (no
   * click) may reformulate next round (docs/search.md).
   */
  search: boolean
  /** Chance that a query is vague (the category only), and that it has a typo (search only). */
  vagueRate: number
  typoRate: number
}

export const AILO_DEFAULTS: AiloOptions = {
  memoryWindow: 20,
  perceptionNoise: 0.25,
  positionBias: 0.08,
  speakRate: 0.04,
  returnBase: 0.15,
  explanationWeight: 0.4,
  explanationCap: 0.15,
  falseClaimPenalty: 0.12,
  commerce: false,
  budgetScale: 1.5,
  search: false,
  vagueRate: 0.12,
  typoRate: 0.07,
}

/** Bounded memory: a recent window plus running summary counts. */
export interface AiloMemory {
  /** Recently consumed item ids, newest last (bounded). */
  recent: number[]
  /** Recently disappointing item ids (shown, judged below expectation), newest last. */
  disliked: number[]
  visits: number
  clicks: number
  impressions: number
  ratingSum: number
  ratingCount: number
}

/** The AILO user's state between rounds. */
export interface AiloState {
  satisfaction: number
  expectation: number
  fatigue: number
  memory: AiloMemory
  /** The user's aspect scores of the explanations shown this round (absent in rounds without). */
  explained?: { round: number; items: number[]; aspects: AspectScores[]; misled: number[] }
  /** Friends: trust and the last step's social counts (only with a social layer). */
  social?: SocialMemory
  /** Commerce only: this user's budget relative to the median (log-normal, fixed at the start). */
  budget?: number
  /** Commerce only: items bought, oldest first (bounded like `recent`). */
  bought?: number[]
  /** Search only: the need a reformulation goes on with, the query that failed, and how many times it was rewritten. */
  pending?: { need: SearchNeed; query: string; attempts: number } | null
}

/** What the request hands the step: the need and how many times its query was rewritten. */
interface SearchIntent {
  need: SearchNeed
  attempts: number
}

/** Weight of a result's relevance to the need in a searching user's perceived fit. */
const SEARCH_RELEVANCE = 4

const MAX_CLICKS = { efficiency: 1, detail: 2, exploration: 3 } as const

// Briefs are pure functions of immutable personas and items: build each once per thread.
const briefs = new WeakMap<Persona, PersonaBrief>()
const slateBriefs = new WeakMap<Item, EvaluateSlateInput['slate'][number]>()

function slateBrief(it: Item): EvaluateSlateInput['slate'][number] {
  let b = slateBriefs.get(it)
  if (!b) {
    b = { id: it.id, title: it.title, category: it.category, tags: it.tags, price: it.price }
    slateBriefs.set(it, b)
  }
  return b
}

export function personaBrief(p: Persona): PersonaBrief {
  let b = briefs.get(p)
  if (!b) {
    b = buildBrief(p)
    briefs.set(p, b)
  }
  return b
}

function buildBrief(p: Persona): PersonaBrief {
  return {
    name: p.name,
    activityType: p.activityType,
    likes: p.likes.map((l) => l.tag),
    dislikes: p.dislikes.map((d) => d.tag),
    favouriteCategories: p.favouriteCategories,
    informationDensity: p.linguistic.informationDensity,
    expressionStyle: p.linguistic.expressionStyle,
    tone: p.linguistic.tone,
  }
}

const meanPrices = new WeakMap<readonly Item[], number>()
/** The catalog's mean price (budgets are in its multiples), once per catalog. */
function meanPrice(items: readonly Item[]): number {
  let m = meanPrices.get(items)
  if (m === undefined) meanPrices.set(items, (m = items.reduce((s, it) => s + it.price, 0) / Math.max(1, items.length)))
  return m
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))
const push = (list: number[], x: number, max: number) => {
  list.push(x)
  if (list.length > max) list.splice(0, list.length - max)
}

/**
 * Shares the best-rated item the user opened this step (from the feed or from a friend),
 * if the `share-item` task says so: a reshare keeps the chain's origin and adds a hop.
 */
async function shareOne(
  ctx: StepContext<AiloState>,
  brief: PersonaBrief,
  clicks: readonly number[],
  ratings: readonly number[],
  rated: ReadonlyArray<{ shared: SharedItem; rating: number }>,
  satisfaction: number,
  wom: WordOfMouthOptions,
): Promise<OutgoingMessage | undefined> {
  const friends = ctx.neighbours?.length ?? 0
  if (!friends) return undefined
  let best: { item: number; rating: number; via?: SharedItem } | undefined
  clicks.forEach((item, k) => {
    if (!best || ratings[k]! > best.rating) best = { item, rating: ratings[k]! }
  })
  for (const r of rated) if (!best || r.rating > best.rating) best = { item: r.shared.item.id, rating: r.rating, via: r.shared }
  if (!best) return undefined
  const p = shareChance(ctx.persona, best.rating, satisfaction, wom)
  if (p <= 0) return undefined
  const it = ctx.catalog.items[best.item]!
  const decision = await ctx.task(shareItem, {
    persona: brief,
    item: { id: it.id, title: it.title, category: it.category, tags: it.tags },
    rating: best.rating,
    satisfaction: Math.round(satisfaction * 1e4) / 1e4,
    friends,
    ...(best.via ? { via: { comment: best.via.comment } } : {}),
    hidden: { p },
  })
  if (!decision.share) return undefined
  const msg: OutgoingMessage = { kind: 'share', item: it.id, text: decision.comment }
  if (best.via) {
    msg.origin = best.via.origin
    msg.depth = best.via.depth + 1
  }
  return msg
}

/**
 * The AILO user-agent (expectation-confirmation theory). Each round it forms an
 * expectation, perceives the slate (true utility + noise + position bias + its
 * conformity and diversity leanings), judges it (task `evaluate-slate`), updates
 * satisfaction, decides whether to continue (task `decide-continue`), and now and
 * then speaks (task `write-utterance`).
 */
export function ailoAgent(options: Partial<AiloOptions> = {}): AgentDef<AiloState> {
  const o = { ...AILO_DEFAULTS, ...options }
  return defineAgent<AiloState>({
    name: 'ailo',
    initialState: (p: Persona, rng): AiloState => ({
      satisfaction: 0.5,
      expectation: p.expectation,
      fatigue: 0,
      memory: { recent: [], disliked: [], visits: 0, clicks: 0, impressions: 0, ratingSum: 0, ratingCount: 0 },
      ...(o.commerce ? { budget: Math.round(Math.exp(0.5 * rng.normal()) * 1e4) / 1e4, bought: [] } : {}),
    }),
    history: (s) => s.memory.recent,
    visit: ({ persona, state, present, rng }) => {
      if (present) return true
      const p = o.returnBase + 0.75 * state.satisfaction * (0.6 + 0.4 * persona.traits.activity)
      return rng.next() < p
    },
    ...(o.search
      ? {
          request: async (ctx: RequestContext<AiloState>): Promise<SearchRequest> => {
            const { persona, state, catalog, rng } = ctx
            const pending = state.pending ?? null
            const need = pending?.need ?? drawNeed(persona, catalog, rng)
            const out = await ctx.task(writeQuery, {
              persona: personaBrief(persona),
              need,
              previous: pending?.query ?? null,
              style: { ...queryStyle(persona), vague: !pending && rng.next() < o.vagueRate },
              hidden: { misspell: rng.next() < o.typoRate },
            })
            const query = out.query.replace(/\s+/g, ' ').trim().slice(0, 120) || need.product
            return { query, reformulation: pending !== null, intent: { need, attempts: pending ? pending.attempts + 1 : 0 } satisfies SearchIntent }
          },
        }
      : {}),
    step: async (ctx: StepContext<AiloState>) => {
      const { persona, state, slate, catalog, rng, truth } = ctx
      const wom = { ...WORD_OF_MOUTH_DEFAULTS, ...o.wordOfMouth }
      // Nothing social happens (and no draw is made) without friends or messages.
      const social = !!(ctx.neighbours?.length || ctx.inbox?.length)
      const shares = social ? sharedItems(ctx.inbox ?? [], slate, state.memory.recent, catalog.items, wom) : []
      const intent = o.search ? (ctx.search?.intent as SearchIntent | undefined) : undefined
      const items = slate.map((id) => catalog.items[id]!)
      const favourite = new Set(persona.favouriteCategories)
      const recentCats = new Set(state.memory.recent.map((id) => catalog.items[id]?.category))
      // Expectation drifts toward the persona's baseline and the experience so far (ECT).
      const expectation = 0.6 * state.expectation + 0.25 * persona.expectation + 0.15 * state.satisfaction

      // A persona with a fitted choice model (data-driven scenarios) chooses by it: a conditional
      // logit over the slate and not clicking (src/core/choice.ts). Otherwise AILO's own perception.
      const model = persona.choice
      const choiceUtilities: number[] = []
      const logits: number[] = []
      const perceived = items.map((it, j) => {
        if (model) {
          const u = truth.utility(it.id) + o.perceptionNoise * rng.normal() - (state.memory.recent.includes(it.id) ? 0.6 : 0)
          const z = choiceLogit(model, persona, it, u, j, catalog.items.length)
          choiceUtilities.push(Math.round(u * 1e4) / 1e4)
          logits.push(Math.round(z * 1e4) / 1e4)
          // On AILO's scale (fit = sigmoid(2u)): the fit is then the choice model's sigmoid(z).
          return z / 2
        }
        let u = truth.utility(it.id) + o.perceptionNoise * rng.normal() - o.positionBias * Math.log2(1 + j)
        u += 0.3 * (persona.traits.conformity - 0.4) * Math.log10(1 + it.popularity * 1000)
        if (!favourite.has(it.category) && !recentCats.has(it.category)) u += 0.4 * (persona.traits.diversity - 0.4)
        if (state.memory.recent.includes(it.id)) u -= 0.6
        // A searching user wants what it asked for: relevance to the need outweighs taste.
        if (intent) u = 0.5 * u + SEARCH_RELEVANCE * (relevance(it, intent.need) - 0.6)
        return u
      })
      const toFit = (u: number) => Math.round(sigmoid(2 * u) * 1e4) / 1e4

      const sharedFit = shares.map((sh) => {
        const u = truth.utility(sh.item.id) + o.perceptionNoise * rng.normal() + socialPull(sh, persona, state.social, wom)
        return Math.round(sigmoid(2 * u) * 1e4) / 1e4
      })

      const brief = personaBrief(persona)
      // Explanations shown with the items: the user rates them, and a persuasive one raises the
      // item's perceived utility by a bounded amount (true or not: claims are checked on opening).
      let explained: AiloState['explained']
      let claims: string[][] = []
      const experiencedUtility = [...perceived]
      if (ctx.explanations) {
        const vocab = claimVocabulary(catalog)
        claims = ctx.explanations.map((e) => claimsOf(e, vocab))
        const rated = await ctx.task(rateExplanations, {
          persona: brief,
          items: items.map((it, j) => ({ id: it.id, title: it.title, category: it.category, tags: it.tags, explanation: ctx.explanations![j]! })),
          hidden: { claims, fit: perceived.map(toFit) },
        })
        const byItem = new Map(rated.aspects.map((a) => [a.item, a]))
        const aspects = items.map((it) => {
          const a = byItem.get(it.id)
          return a ? { relevance: a.relevance, factuality: a.factuality, informativeness: a.informativeness, persuasiveness: a.persuasiveness, clarity: a.clarity } : { relevance: 0.5, factuality: 1, informativeness: 0, persuasiveness: 0.5, clarity: 0.5 }
        })
        aspects.forEach((a, j) => {
          const push = Math.max(-o.explanationCap, Math.min(o.explanationCap, o.explanationWeight * (a.persuasiveness - 0.5)))
          perceived[j] = perceived[j]! + push
          if (model) logits[j] = Math.round((logits[j]! + 2 * push) * 1e4) / 1e4
        })
        explained = { round: ctx.round, items: [...slate], aspects, misled: [] }
      }
      const experienced = explained ? experiencedUtility.map(toFit) : undefined
      const fit = perceived.map(toFit)
      const evaluation = await ctx.task(evaluateSlate, {
        ...(shares.length ? { shared: shares.map((sh) => ({ ...slateBrief(sh.item), friends: sh.friends, comment: sh.comment })) } : {}),
        persona: brief,
        expectation: Math.round(expectation * 1e4) / 1e4,
        memory: {
          visits: state.memory.visits,
          satisfaction: Math.round(state.satisfaction * 1e4) / 1e4,
          recentTitles: state.memory.recent.slice(-3).map((id) => catalog.items[id]?.title ?? String(id)),
        },
        slate: ctx.explanations ? items.map((it, j) => ({ ...slateBrief(it), explanation: ctx.explanations![j]! })) : items.map(slateBrief),
        hidden: {
          fit,
          maxClicks: MAX_CLICKS[persona.activityType],
          ratingMean: persona.rating.mean,
          ratingSpread: persona.rating.spread,
          hardDislikes: persona.hardDislikes,
          ...(experienced ? { experienced } : {}),
          ...(model ? { choice: { logits, utilities: choiceUtilities, ...(model.ratingNoise !== undefined ? { ratingNoise: model.ratingNoise } : {}) } } : {}),
          ...(shares.length ? { sharedFit } : {}),
        },
      })

      const onSlate = new Set(slate)
      const clicks = evaluation.clicks.filter((id, k, all) => onSlate.has(id) && all.indexOf(id) === k)
      const ratingOf = new Map(evaluation.ratings.map((r) => [r.item, r.rating]))
      const ratings = clicks.map((id) => ratingOf.get(id) ?? 3)
      // Expectation-confirmation: an item opened on a false claim about something the user
      // likes disappoints — a lower rating and less satisfaction.
      let judged = evaluation.satisfaction
      if (explained) {
        const likes = new Set([...brief.likes, ...brief.favouriteCategories].map((x) => x.toLowerCase()))
        clicks.forEach((id, k) => {
          const j = slate.indexOf(id)
          if (falseClaims(claims[j] ?? [], catalog.items[id]!).some((c) => likes.has(c))) {
            explained!.misled.push(id)
            ratings[k] = Math.max(1, ratings[k]! - 1)
            judged -= o.falseClaimPenalty
          }
        })
        judged = Math.max(0, judged)
      }
      const sharedById = new Map(shares.map((sh) => [sh.item.id, sh]))
      const friendClicks = evaluation.clicks.filter((id, k, all) => sharedById.has(id) && all.indexOf(id) === k)
      const satisfaction = 0.55 * state.satisfaction + 0.45 * judged
      const disappointment = Math.max(0, expectation - judged)
      const fatigue = (ctx.returned ? 0 : state.fatigue) + persona.fatigueRate - 0.03 * clicks.length

      const memory = { ...state.memory, recent: [...state.memory.recent], disliked: [...state.memory.disliked] }
      memory.visits += 1
      memory.impressions += slate.length
      memory.clicks += clicks.length
      for (let k = 0; k < clicks.length; k++) {
        push(memory.recent, clicks[k]!, o.memoryWindow)
        memory.ratingSum += ratings[k]!
        memory.ratingCount += 1
      }
      // What friends shared and the user opened is consumed too (the policy sees it in the history).
      for (const id of friendClicks) {
        push(memory.recent, id, o.memoryWindow)
        memory.ratingSum += ratingOf.get(id) ?? 3
        memory.ratingCount += 1
      }
      fit.forEach((f, j) => f < expectation - 0.2 && push(memory.disliked, slate[j]!, o.memoryWindow))

      let carts: number[] = []
      let orders: number[] = []
      let bought = state.bought
      if (o.commerce && clicks.length) {
        const budget = Math.round(o.budgetScale * (state.budget ?? 1) * meanPrice(catalog.items) * 100) / 100
        const purchase = await ctx.task(decidePurchase, {
          persona: brief,
          budget,
          opened: clicks.map((id) => {
            const it = catalog.items[id]!
            return { id, title: it.title, category: it.category, price: it.price }
          }),
          hidden: {
            value: clicks.map((id) => fit[slate.indexOf(id)]!),
            expectation: Math.round(expectation * 1e4) / 1e4,
            priceSensitivity: Math.round((0.5 + 5 * Math.abs(persona.hidden.priceWeight)) * 1e4) / 1e4,
          },
        })
        // A model's answer is held to the funnel: carts among the opened items, orders among the carts, within budget.
        const opened = new Set(clicks)
        carts = purchase.cart.filter((id, k, all) => opened.has(id) && all.indexOf(id) === k)
        let remaining = budget
        for (const id of purchase.order) {
          const price = catalog.items[id]?.price ?? Infinity
          if (!carts.includes(id) || orders.includes(id) || price > remaining + 1e-9) continue
          orders.push(id)
          remaining -= price
        }
        if (orders.length) bought = [...(state.bought ?? []), ...orders].slice(-o.memoryWindow)
      }

      const decision = await ctx.task(decideContinue, {
        persona: brief,
        satisfaction: Math.round(satisfaction * 1e4) / 1e4,
        fatigue: Math.round(Math.max(0, fatigue) * 1e4) / 1e4,
        visits: memory.visits,
        clicked: clicks.length,
        hidden: { pressure: Math.max(0, fatigue) + disappointment, patience: persona.patience },
      })
      const left = decision.decision === 'leave'

      const utterances: Utterance[] = []
      const gap = judged - expectation
      if (rng.next() < o.speakRate * (1 + 4 * Math.abs(gap))) {
        const kind = gap < -0.1 ? 'complaint' : gap > 0.15 ? 'praise' : 'request'
        const about =
          kind === 'complaint'
            ? items.filter((_, j) => fit[j]! < expectation).slice(0, 1)
            : kind === 'praise'
              ? items.filter((it) => clicks.includes(it.id)).slice(0, 1)
              : []
        const said = await ctx.task(writeUtterance, {
          persona: brief,
          kind,
          satisfaction: Math.round(satisfaction * 1e4) / 1e4,
          about: {
            titles: about.map((it) => it.title),
            tags: kind === 'request' ? brief.likes.slice(0, 2) : about.flatMap((it) => it.tags).slice(0, 3),
          },
        })
        utterances.push({ kind, text: said.text })
      }

      const next: AiloState = { satisfaction, expectation, fatigue: left ? 0 : Math.max(0, fatigue), memory }
      if (explained) next.explained = explained
      if (o.search) {
        // After a bad page (no click) a patient user rewrites the query next visit; others give up on the need.
        const reformulate = intent !== undefined && clicks.length === 0 && !left && intent.attempts < 2 && rng.next() < 0.3 + 0.5 * persona.patience
        next.pending = reformulate ? { need: intent.need, query: ctx.search!.query, attempts: intent.attempts } : null
      }
      if (o.commerce) {
        next.budget = state.budget ?? 1
        next.bought = bought ?? []
      }
      const outcome = { state: next, clicks, ratings, ...(o.commerce ? { carts, orders } : {}), satisfaction, left, utterances }
      if (!social) return outcome
      const rated = friendClicks.map((id) => ({ shared: sharedById.get(id)!, rating: ratingOf.get(id) ?? 3 }))
      let trust = state.social?.trust ?? {}
      for (const r of rated) trust = updateTrust({ ...state.social!, trust }, r.shared.from, r.rating, wom)
      const messages = reactions(rated, trust, ctx, persona.id, wom, rng)
      const shared = await shareOne(ctx, brief, clicks, ratings, rated, satisfaction, wom)
      if (shared) messages.unshift(shared)
      // Kept only when there is something to keep: most users' states stay as small as without friends.
      if (Object.keys(trust).length || friendClicks.length || shared) next.social = { trust, round: ctx.round, friendClicks: friendClicks.length, shared: shared ? 1 : 0 }
      return messages.length ? { ...outcome, messages } : outcome
    },
  })
}
