import type { ShopperProfile } from './profile.ts'

/**
 * What the shop logs of a shopper's behaviour in the simulation. The shopper agent and the
 * targeting policies keep the same aggregates from the same events (purchases are the
 * shop's order log; treatments are the marketer's own send log), so the features a policy
 * computes equal the features exported with the data.
 */
export interface BehaviourLog {
  purchases: number
  spend: number
  /** Round of the last purchase, or -1. */
  lastPurchase: number
  treatments: number
}

export const EMPTY_LOG: BehaviourLog = { purchases: 0, spend: 0, lastPurchase: -1, treatments: 0 }

/** Adds one round to the log. */
export function logRound(log: BehaviourLog, round: number, treated: boolean, purchased: boolean, spend: number): BehaviourLog {
  return {
    purchases: log.purchases + (purchased ? 1 : 0),
    spend: Math.round((log.spend + spend) * 100) / 100,
    lastPurchase: purchased ? round : log.lastPurchase,
    treatments: log.treatments + (treated ? 1 : 0),
  }
}

/** The feature columns, f0…f13, with what each means (dataset cards print these). */
export const FEATURES: readonly { name: string; meaning: string }[] = [
  { name: 'tenure_months', meaning: 'months since sign-up' },
  { name: 'age_band', meaning: 'age band 0–5' },
  { name: 'device', meaning: '0 desktop, 1 mobile web, 2 app' },
  { name: 'region', meaning: 'region 0–4' },
  { name: 'newsletter', meaning: 'subscribed to the newsletter (0/1)' },
  { name: 'loyalty', meaning: 'loyalty-programme member (0/1)' },
  { name: 'orders_last_year', meaning: 'orders in the year before the simulation' },
  { name: 'sale_share', meaning: "share of last year's orders bought on a discount" },
  { name: 'avg_order_value', meaning: 'mean order value last year' },
  { name: 'push_open_rate', meaning: 'share of push notifications opened last year' },
  { name: 'purchases', meaning: 'purchases in the simulation before this round' },
  { name: 'spend', meaning: 'spend in the simulation before this round' },
  { name: 'recency', meaning: 'rounds since the last purchase in the simulation (10 if none, capped at 10)' },
  { name: 'treatments', meaning: 'treatments received before this round' },
]
export const FEATURE_COUNT = FEATURES.length

/** The feature vector of a shopper at the start of `round`: profile + behaviour so far. */
export function featureVector(p: ShopperProfile, log: BehaviourLog, round: number): number[] {
  return [
    p.tenureMonths,
    p.ageBand,
    p.device,
    p.region,
    p.newsletter,
    p.loyalty,
    p.ordersLastYear,
    p.saleShare,
    p.avgOrderValue,
    p.pushOpenRate,
    log.purchases,
    log.spend,
    log.lastPurchase < 0 ? 10 : Math.min(10, round - log.lastPurchase),
    log.treatments,
  ]
}
