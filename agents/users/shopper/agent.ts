import { z } from 'zod'
import { defineAgent, rngFor, type AgentDef, type Persona, type StepContext } from '../../../src/core/index.ts'
import { personaBrief } from '../ailo/index.ts'
import { EMPTY_LOG, featureVector, logRound, type BehaviourLog } from './features.ts'
import { armFacts, campaignOf, nextMood, type ArmFacts, type Mood } from './model.ts'
import { shopperOf, type ShopperTarget } from './profile.ts'
import { shopperRound, type ShopperRoundOutput } from './tasks/shopper-round.ts'

/**
 * One round of the uplift log, kept in the shopper's state: the features logged at decision
 * time, the arm, and the outcomes under the arm taken (`o`) and under the other arm (`w`,
 * the twin), each `[visit, clicks, conversion, spend, exposure]`, plus the expected visit,
 * conversion and spend under arm 0 and arm 1 (`e`: v0, v1, c0, c1, s0, s1).
 */
export const upliftRecord = z.object({
  r: z.number().int(),
  a: z.number().int(),
  k: z.string(),
  p: z.number(),
  c: z.number(),
  x: z.array(z.number()),
  o: z.array(z.number()),
  w: z.array(z.number()),
  e: z.array(z.number()),
})
export type UpliftRecord = z.infer<typeof upliftRecord>

/** The shopper's own state: its behaviour log, its mood toward marketing, its uplift log, its purchases. */
export interface ShopperState {
  log: BehaviourLog
  mood: Mood
  rounds: UpliftRecord[]
  /** Running satisfaction with the shop. */
  satisfaction: number
  /** Items bought, oldest first (the last 20): the shopper's history. */
  recent: number[]
}

/** The shopper state of an agent state, or of the runner's record wrapping one (`{ state }`, as checkpoints store it). */
export function shopperStateOf(stored: unknown): ShopperState | undefined {
  const s = stored as (ShopperState & { state?: ShopperState }) | null
  if (s && Array.isArray(s.rounds) && s.log) return s
  return s?.state && Array.isArray(s.state.rounds) ? s.state : undefined
}

const targets = new WeakMap<Persona, ShopperTarget>()
const target = (p: Persona) => {
  let t = targets.get(p)
  if (!t) targets.set(p, (t = shopperOf(p)))
  return t
}
const meanPrices = new WeakMap<object, number>()
const meanPrice = (items: readonly { price: number }[]) => {
  let m = meanPrices.get(items)
  if (m === undefined) meanPrices.set(items, (m = items.reduce((s, i) => s + i.price, 0) / Math.max(1, items.length)))
  return m
}

const OFFER_TEXT = {
  none: 'nothing (no message).',
  push: 'a push notification: "New picks for you - come and have a look!"',
  slot: 'nothing, but the shop shows a featured item at the top.',
} as const

const HISTORY = 20

/**
 * The shopper of the `marketing` scenario. Every round it may visit the shop, look at the
 * recommended items and buy one (task `shopper-round`), following its hidden utility,
 * price sensitivity, intent and its reaction to marketing (persuadable, sure thing, lost
 * cause, sleeping dog). When the policy sends a treatment (StepContext.treatment), the
 * round is evaluated under both arms from the same state with the same draws — arm 0
 * first, then arm 1 — and the arm the policy chose becomes the new state; the other is the
 * twin, logged but never applied. So each logged round carries its exact individual
 * treatment effect. `clicks` in the interaction log are purchases (the shop's order log).
 */
export function shopperAgent(): AgentDef<ShopperState> {
  return defineAgent<ShopperState>({
    name: 'shopper',
    initialState: (): ShopperState => ({ log: EMPTY_LOG, mood: { irritation: 0, dealExpectation: 0 }, rounds: [], satisfaction: 0.5, recent: [] }),
    history: (s) => s.recent,
    // Every shopper is reachable every round: whether it visits is an outcome (a push may change it).
    visit: () => true,
    step: async (ctx: StepContext<ShopperState>) => {
      const { persona, state, round, catalog, truth } = ctx
      const { profile, truth: hidden } = target(persona)
      const shop = state
      const campaign = campaignOf(ctx.treatment)
      const arm = ctx.treatment?.arm ?? 0
      if (arm !== 0 && arm !== 1) throw new Error(`the shopper understands arms 0 and 1 (got ${arm})`)
      const x = featureVector(profile, shop.log, round)
      // The draws of this round, shared by both arms: forked by name from the agent's stream.
      const key = ctx.rng.int(0x7fffffff)
      const uVisit = rngFor(key, 'visit').next()
      const uBuy = rngFor(key, 'buy').next()
      const uClick = (item: number) => rngFor(key, 'click', item).next()
      const mp = meanPrice(catalog.items)
      const brief = personaBrief(persona)
      const since = shop.log.lastPurchase < 0 ? null : round - shop.log.lastPurchase

      const evaluate = async (treated: boolean) => {
        const f = armFacts(hidden, shop.mood, ctx.slate, campaign, treated, catalog, truth.utility, mp)
        const kind = f.kind
        const text = kind === 'coupon' ? `an email with a ${Math.round(campaign.discount * 100)}% coupon on the items recommended to you.` : OFFER_TEXT[kind]
        const out = await ctx.task(shopperRound, {
          persona: brief,
          offer: { kind, text },
          slate: f.slate.map((id, j) => {
            const it = catalog.items[id]!
            return { id, title: it.title, category: it.category, price: it.price, pay: f.pay[j]!, promoted: f.promoted[j]! }
          }),
          recent: { purchases: shop.log.purchases, roundsSinceLastPurchase: since },
          hidden: { pVisit: f.pVisit, uVisit, click: f.click, value: f.value, buy: f.buy, uClick: f.slate.map(uClick), uBuy },
        })
        return { facts: f, ...clean(out, f) }
      }

      // Arm 0 first, then arm 1, whichever the policy chose: the same calls in the same order in any run.
      const control = await evaluate(false)
      const treatedArm = ctx.treatment ? await evaluate(true) : undefined
      const taken = arm === 1 ? treatedArm! : control
      const twin = arm === 1 ? control : treatedArm

      const outcome = (a: typeof control, treated: boolean) => [
        a.visit ? 1 : 0,
        a.clicks.length,
        a.purchase === null ? 0 : 1,
        a.spend,
        treated && (campaign.kind === 'push' || a.visit) ? 1 : 0,
      ]
      const log = logRound(shop.log, round, arm === 1, taken.purchase !== null, taken.spend)
      const rounds = [...shop.rounds]
      if (ctx.treatment && twin) {
        const e0 = control.facts.expected
        const e1 = treatedArm!.facts.expected
        rounds.push({
          r: round,
          a: arm,
          k: campaign.kind,
          p: ctx.treatment.propensity,
          c: arm === 1 ? ctx.treatment.cost : 0,
          x,
          o: outcome(taken, arm === 1),
          w: outcome(twin, arm !== 1),
          e: [e0.visit, e1.visit, e0.conversion, e1.conversion, e0.spend, e1.spend].map((v) => Math.round(v * 1e4) / 1e4),
        })
      }
      const bought = taken.purchase
      const rating = bought === null ? 0 : Math.min(5, Math.max(1, Math.round(3 + 1.5 * Math.tanh(truth.utility(bought)))))
      const recent = bought === null ? state.recent : [...state.recent, bought].slice(-HISTORY)
      const satisfaction = Math.round((0.7 * state.satisfaction + 0.3 * (bought !== null ? rating / 5 : taken.visit ? 0.35 : 0.5)) * 1e4) / 1e4
      return {
        state: { log, mood: nextMood(shop.mood, hidden, arm === 1, campaign.kind), rounds, satisfaction, recent },
        clicks: bought === null ? [] : [bought],
        ratings: bought === null ? [] : [rating],
        satisfaction,
        left: false,
        utterances: [],
      }
    },
  })
}

/** Keeps a (model's) answer consistent: looks only when visiting, buys only what it looked at on this slate. */
function clean(out: ShopperRoundOutput, f: ArmFacts): { visit: boolean; clicks: number[]; purchase: number | null; spend: number } {
  if (!out.visit) return { visit: false, clicks: [], purchase: null, spend: 0 }
  const pos = new Map(f.slate.map((id, j) => [id, j]))
  const clicks = out.clicks.filter((id, k, all) => pos.has(id) && all.indexOf(id) === k)
  const purchase = out.purchase !== null && pos.has(out.purchase) ? out.purchase : null
  if (purchase !== null && !clicks.includes(purchase)) clicks.push(purchase)
  return { visit: true, clicks, purchase, spend: purchase === null ? 0 : f.pay[pos.get(purchase)!]! }
}
