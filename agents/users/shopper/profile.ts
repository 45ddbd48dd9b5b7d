import { z } from 'zod'
import { rngFor, type Persona } from '../../../src/core/index.ts'

/**
 * A shopper's observable profile: what the shop's CRM knows (never the hidden truth). It
 * is a pure function of (seed, id) alone, so a targeting policy can look it up for any user
 * (`shopperProfile`) without seeing the hidden parts drawn beside it.
 */
export const shopperProfile = z.object({
  /** Months since sign-up. */
  tenureMonths: z.number(),
  /** Age band 0–5 (18–24 … 65+). */
  ageBand: z.number().int(),
  /** 0 desktop, 1 mobile web, 2 app. */
  device: z.number().int(),
  /** Region 0–4 (no effect on behaviour: a noise feature). */
  region: z.number().int(),
  newsletter: z.number().int(),
  loyalty: z.number().int(),
  /** Orders in the year before the simulation. */
  ordersLastYear: z.number(),
  /** Share of last year's orders bought on a discount, 0–1. */
  saleShare: z.number(),
  /** Mean order value last year. */
  avgOrderValue: z.number(),
  /** Share of push notifications opened last year, 0–1. */
  pushOpenRate: z.number(),
})
export type ShopperProfile = z.infer<typeof shopperProfile>

/** The four classic uplift segments. */
export const SEGMENTS = ['persuadable', 'sure-thing', 'lost-cause', 'sleeping-dog'] as const
export type Segment = (typeof SEGMENTS)[number]

/** Hidden truth of a shopper: what drives its behaviour; never in a prompt, a feature or a dataset. */
export const shopperTruth = z.object({
  segment: z.enum(SEGMENTS),
  /** Logit of visiting the shop in a round. */
  visitBase: z.number(),
  /** Logit of buying a clicked item of neutral value. */
  intent: z.number(),
  /** Weight of the (normalised) price in an item's perceived value. */
  priceSensitivity: z.number(),
  /** Extra buying logit from holding a coupon (negative: a sleeping dog). */
  dealLove: z.number(),
  /** Visit logit added by a push notification (negative: annoyed). */
  pushLift: z.number(),
  /** Value added to the promoted item of a recommendation slot. */
  slotLift: z.number(),
  /** Irritation a treatment of any kind leaves (decays by 0.6 a round). */
  annoyance: z.number(),
  /** The most the shopper pays for one item. */
  budget: z.number(),
})
export type ShopperTruth = z.infer<typeof shopperTruth>

/** What the marketing scenario stores in persona.hidden.target. */
export const shopperTarget = z.object({ profile: shopperProfile, truth: shopperTruth })
export type ShopperTarget = z.infer<typeof shopperTarget>

/** Segment shares of the population (`--set persuadable=0.3 …`; normalised). */
export interface SegmentMix {
  persuadable: number
  sureThing: number
  lostCause: number
  sleepingDog: number
}
export const DEFAULT_MIX: SegmentMix = { persuadable: 0.3, sureThing: 0.25, lostCause: 0.3, sleepingDog: 0.15 }

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))
const r2 = (x: number) => Math.round(x * 100) / 100
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))

/** The latent traits profile and truth are both drawn from (seeded by (seed, id)). */
function latents(seed: number, id: number) {
  const rng = rngFor(seed, 'shopper-latent', id)
  return { intent: rng.normal(), price: rng.normal(), push: rng.normal(), annoy: rng.normal() }
}

/** The CRM profile of shopper `id` (pure in (seed, id)). */
export function profileOf(seed: number, id: number): ShopperProfile {
  const l = latents(seed, id)
  const rng = rngFor(seed, 'shopper-profile', id)
  return {
    tenureMonths: Math.round(clamp(Math.exp(2.6 + 0.5 * l.intent + 0.6 * rng.normal()), 1, 120)),
    ageBand: Math.round(clamp(2.5 - 0.6 * l.price + 1.1 * rng.normal(), 0, 5)),
    device: l.push + 0.7 * rng.normal() > 0.4 ? 2 : rng.next() < 0.5 ? 1 : 0,
    region: rng.int(5),
    newsletter: rng.next() < sigmoid(0.4 - 1.3 * l.annoy) ? 1 : 0,
    loyalty: rng.next() < sigmoid(-0.6 + 1.3 * l.intent) ? 1 : 0,
    ordersLastYear: Math.round(Math.exp(0.9 + 0.75 * l.intent + 0.3 * rng.normal())),
    saleShare: r2(sigmoid(1.4 * l.price + 0.5 * rng.normal())),
    avgOrderValue: Math.round(22 * Math.exp(-0.3 * l.price + 0.25 * rng.normal())),
    pushOpenRate: r2(sigmoid(-1 + 0.9 * l.push - 0.9 * l.annoy + 0.4 * rng.normal())),
  }
}

/** Per-segment centres of the hidden parameters. */
const CENTRE: Record<Segment, Omit<ShopperTruth, 'segment' | 'budget'>> = {
  persuadable: { visitBase: -0.2, intent: -0.6, priceSensitivity: 1.6, dealLove: 1.6, pushLift: 1.3, slotLift: 1.0, annoyance: 0.05 },
  'sure-thing': { visitBase: 0.9, intent: 1.2, priceSensitivity: 0.4, dealLove: 0.05, pushLift: 0.1, slotLift: 0.1, annoyance: 0.05 },
  'lost-cause': { visitBase: -1.4, intent: -4, priceSensitivity: 1, dealLove: 0.1, pushLift: 0.1, slotLift: 0.05, annoyance: 0.05 },
  'sleeping-dog': { visitBase: 0.3, intent: 0, priceSensitivity: 1, dealLove: -1.6, pushLift: -1.6, slotLift: -0.9, annoyance: 0.8 },
}

/** The hidden truth of shopper `id`: a segment drawn from the latents and the mix, then noisy parameters. */
export function truthOf(seed: number, id: number, profile: ShopperProfile, mix: SegmentMix = DEFAULT_MIX): ShopperTruth {
  const l = latents(seed, id)
  const rng = rngFor(seed, 'shopper-truth', id)
  // Each segment's weight: its share times how well the latents fit it.
  const w: Record<Segment, number> = {
    persuadable: mix.persuadable * Math.exp(1.1 * l.price + 0.5 * l.push - 0.4 * Math.abs(l.intent)),
    'sure-thing': mix.sureThing * Math.exp(1.3 * l.intent - 0.6 * l.price),
    'lost-cause': mix.lostCause * Math.exp(-1.3 * l.intent),
    'sleeping-dog': mix.sleepingDog * Math.exp(1.4 * l.annoy),
  }
  const total = SEGMENTS.reduce((s, k) => s + w[k], 0)
  let u = rng.next() * total
  let segment: Segment = 'lost-cause'
  for (const k of SEGMENTS) {
    u -= w[k]
    if (u < 0) {
      segment = k
      break
    }
  }
  const c = CENTRE[segment]
  const n = () => rng.normal()
  return {
    segment,
    visitBase: r2(c.visitBase + 0.3 * l.intent + 0.3 * n()),
    intent: r2(c.intent + 0.4 * l.intent + 0.3 * n()),
    priceSensitivity: r2(Math.max(0.1, c.priceSensitivity + 0.5 * l.price + 0.3 * n())),
    dealLove: r2(c.dealLove + 0.25 * n()),
    pushLift: r2(c.pushLift + 0.3 * l.push + 0.25 * n()),
    slotLift: r2(c.slotLift + 0.2 * n()),
    annoyance: r2(Math.max(0, c.annoyance + 0.1 * n())),
    budget: Math.round(profile.avgOrderValue * (1.8 + 0.6 * rng.next())),
  }
}

/** The shopper part of a persona (throws with the persona id when it is not a shopper). */
export function shopperOf(p: Persona): ShopperTarget {
  const t = shopperTarget.safeParse(p.hidden.target)
  if (!t.success) throw new Error(`persona ${p.id} is not a shopper (hidden.target): ${t.error.issues[0]?.message}`)
  return t.data
}
