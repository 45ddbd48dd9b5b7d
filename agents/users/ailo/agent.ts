import {
  defineAgent,
  type AgentDef,
  type Item,
  type Persona,
  type RequestContext,
  type SearchRequest,
  type StepContext,
  type Utterance,
} from '../../../src/core/index.ts'
import { decideContinue } from './tasks/decide-continue.ts'
import { decidePurchase } from './tasks/decide-purchase.ts'
import { drawNeed, queryStyle, relevance } from './search-need.ts'
import { writeQuery, type SearchNeed } from './tasks/write-query.ts'
import { evaluateSlate, type EvaluateSlateInput } from './tasks/evaluate-slate.ts'
import type { PersonaBrief } from './tasks/persona-text.ts'
import { writeUtterance } from './tasks/write-utterance.ts'

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
      const intent = o.search ? (ctx.search?.intent as SearchIntent | undefined) : undefined
      const items = slate.map((id) => catalog.items[id]!)
      const favourite = new Set(persona.favouriteCategories)
      const recentCats = new Set(state.memory.recent.map((id) => catalog.items[id]?.category))
      // Expectation drifts toward the persona's baseline and the experience so far (ECT).
      const expectation = 0.6 * state.expectation + 0.25 * persona.expectation + 0.15 * state.satisfaction

      const fit = items.map((it, j) => {
        let u = truth.utility(it.id) + o.perceptionNoise * rng.normal() - o.positionBias * Math.log2(1 + j)
        u += 0.3 * (persona.traits.conformity - 0.4) * Math.log10(1 + it.popularity * 1000)
        if (!favourite.has(it.category) && !recentCats.has(it.category)) u += 0.4 * (persona.traits.diversity - 0.4)
        if (state.memory.recent.includes(it.id)) u -= 0.6
        // A searching user wants what it asked for: relevance to the need outweighs taste.
        if (intent) u = 0.5 * u + SEARCH_RELEVANCE * (relevance(it, intent.need) - 0.6)
        return Math.round(sigmoid(2 * u) * 1e4) / 1e4
      })

      const brief = personaBrief(persona)
      const evaluation = await ctx.task(evaluateSlate, {
        persona: brief,
        expectation: Math.round(expectation * 1e4) / 1e4,
        memory: {
          visits: state.memory.visits,
          satisfaction: Math.round(state.satisfaction * 1e4) / 1e4,
          recentTitles: state.memory.recent.slice(-3).map((id) => catalog.items[id]?.title ?? String(id)),
        },
        slate: items.map(slateBrief),
        hidden: {
          fit,
          maxClicks: MAX_CLICKS[persona.activityType],
          ratingMean: persona.rating.mean,
          ratingSpread: persona.rating.spread,
          hardDislikes: persona.hardDislikes,
        },
      })

      const onSlate = new Set(slate)
      const clicks = evaluation.clicks.filter((id, k, all) => onSlate.has(id) && all.indexOf(id) === k)
      const ratingOf = new Map(evaluation.ratings.map((r) => [r.item, r.rating]))
      const ratings = clicks.map((id) => ratingOf.get(id) ?? 3)
      const satisfaction = 0.55 * state.satisfaction + 0.45 * evaluation.satisfaction
      const disappointment = Math.max(0, expectation - evaluation.satisfaction)
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
      const gap = evaluation.satisfaction - expectation
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
      if (o.search) {
        // After a bad page (no click) a patient user rewrites the query next visit; others give up on the need.
        const reformulate = intent !== undefined && clicks.length === 0 && !left && intent.attempts < 2 && rng.next() < 0.3 + 0.5 * persona.patience
        next.pending = reformulate ? { need: intent.need, query: ctx.search!.query, attempts: intent.attempts } : null
      }
      if (o.commerce) {
        next.budget = state.budget ?? 1
        next.bought = bought ?? []
      }
      return {
        state: next,
        clicks,
        ratings,
        ...(o.commerce ? { carts, orders } : {}),
        satisfaction,
        left,
        utterances,
      }
    },
  })
}
