import type { Catalog, Treatment } from '../../../src/core/index.ts'
import type { ShopperTruth } from './profile.ts'

/** The treatment kinds the shopper understands. */
export const TREATMENT_KINDS = ['coupon', 'push', 'slot'] as const
export type TreatmentKind = (typeof TREATMENT_KINDS)[number]

/** The carry-over state the response depends on besides the truth. */
export interface Mood {
  /** Irritation from earlier treatments (decays by 0.6 a round). */
  irritation: number
  /** Expectation of a deal, built up by coupons (decays by 0.7 a round). */
  dealExpectation: number
}

/** One arm of a round, as the shopper would face it: the slate, prices and all probabilities. */
export interface ArmFacts {
  treated: boolean
  kind: TreatmentKind | 'none'
  slate: number[]
  pay: number[]
  promoted: boolean[]
  pVisit: number
  click: number[]
  value: number[]
  buy: number[]
  /** Expected visit, conversion and spend under this arm (closed form over the same model). */
  expected: { visit: number; conversion: number; spend: number }
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))
const r4 = (x: number) => Math.round(x * 1e4) / 1e4

/** Campaign settings a treatment carries (defaults where absent). */
export function campaignOf(t: Treatment | undefined): { kind: TreatmentKind | 'none'; discount: number; item: number } {
  if (!t) return { kind: 'none', discount: 0, item: -1 }
  if (!(TREATMENT_KINDS as readonly string[]).includes(t.kind)) throw new Error(`unknown treatment kind "${t.kind}" (known: ${TREATMENT_KINDS.join(', ')})`)
  return { kind: t.kind as TreatmentKind, discount: t.params?.discount ?? 0.15, item: t.params?.item ?? -1 }
}

/**
 * The facts of one arm: a pure function of (truth, mood, base slate, campaign, arm) and the
 * item utilities. Nothing here draws randomness: the draws come separately and are shared
 * by both arms, which is what makes the twin exact.
 */
export function armFacts(
  truth: ShopperTruth,
  mood: Mood,
  base: readonly number[],
  campaign: ReturnType<typeof campaignOf>,
  treated: boolean,
  catalog: Catalog,
  utility: (item: number) => number,
  meanPrice: number,
): ArmFacts {
  const on = (k: TreatmentKind) => treated && campaign.kind === k
  let slate = [...base]
  if (on('slot') && campaign.item >= 0) slate = [campaign.item, ...base.filter((i) => i !== campaign.item)].slice(0, Math.max(1, base.length))
  const irritationNow = mood.irritation + (treated && campaign.kind !== 'none' ? truth.annoyance : 0)
  // A push brings shoppers in (or keeps annoyed ones away); a coupon e-mail does too, as much as the shopper loves deals.
  const pVisit = sigmoid(truth.visitBase + (on('push') ? truth.pushLift : 0) + (on('coupon') ? 0.5 * truth.dealLove : 0) - 0.8 * mood.irritation)
  // Without a coupon, a shopper used to coupons holds back (its reference price dropped), the more so the more price-sensitive.
  const habit = -0.5 * mood.dealExpectation * Math.min(1, truth.priceSensitivity / 2)
  const pay: number[] = []
  const promoted: boolean[] = []
  const click: number[] = []
  const value: number[] = []
  const buy: number[] = []
  slate.forEach((id, j) => {
    const price = catalog.items[id]!.price
    const p = on('coupon') ? Math.round(price * (1 - campaign.discount) * 100) / 100 : price
    const promo = on('slot') && id === campaign.item
    const v = 1.2 * utility(id) - truth.priceSensitivity * (p / meanPrice) - 0.15 * Math.log2(1 + j) + (promo ? truth.slotLift : 0) + (on('coupon') ? 0.3 * truth.dealLove : 0)
    const dealTerm = on('coupon') ? truth.dealLove : habit
    pay.push(p)
    promoted.push(promo)
    value.push(r4(v))
    click.push(r4(sigmoid(v - 0.3)))
    buy.push(p > truth.budget ? 0 : r4(sigmoid(truth.intent + 0.8 * v + dealTerm - 0.8 * irritationNow)))
  })
  // Expected outcomes: the shopper buys (with prob. buy) the best-valued item it clicked.
  const order = slate.map((_, j) => j).sort((a, b) => value[b]! - value[a]! || a - b)
  let none = 1
  let conv = 0
  let spend = 0
  for (const j of order) {
    const first = none * click[j]!
    conv += first * buy[j]!
    spend += first * buy[j]! * pay[j]!
    none *= 1 - click[j]!
  }
  const pv = r4(pVisit)
  return {
    treated,
    kind: treated ? campaign.kind : 'none',
    slate,
    pay,
    promoted,
    pVisit: pv,
    click,
    value,
    buy,
    expected: { visit: pv, conversion: pv * conv, spend: pv * spend },
  }
}

/** The mood after a round (from the arm actually taken). */
export function nextMood(mood: Mood, truth: ShopperTruth, treated: boolean, kind: TreatmentKind | 'none'): Mood {
  return {
    irritation: r4(0.6 * mood.irritation + (treated && kind !== 'none' ? truth.annoyance : 0)),
    dealExpectation: r4(0.7 * mood.dealExpectation + (treated && kind === 'coupon' ? 0.5 : 0)),
  }
}
