import type { Rng } from './rng.ts'
import type { ChoiceParams, Item, Persona } from './types.ts'

/**
 * The value of not clicking for a persona: log Σ exp(logit) over every catalog item it has
 * not consumed (at position 0, before `outside` applies).
 */
export function outsideValue(p: ChoiceParams, persona: Persona, items: readonly Item[], utility: (item: number) => number, consumed: ReadonlySet<number>): number {
  const base = { ...p, outside: 0, positionBias: 0 }
  let m = -Infinity
  const z: number[] = []
  for (const it of items) {
    if (consumed.has(it.id)) continue
    const v = choiceLogit(base, persona, it, utility(it.id), 0, items.length)
    z.push(v)
    if (v > m) m = v
  }
  let s = 0
  for (const v of z) s += Math.exp(v - m)
  return m + Math.log(s)
}

/**
 * How much more likely a user is to notice a slate item than an item it would have to find
 * itself, as a factor on the off-slate choice set. A rating log has no impressions, so this
 * is an assumption (like the position bias), not a fit: documented in docs/fidelity.md.
 */
export const SLATE_SALIENCE = 10

/** The default position bias: logit lost per log2(1 + position) (eye-tracking studies put it near 0.2–0.4). */
export const DEFAULT_POSITION_BIAS = 0.3

/** Log relative popularity of an item in a catalog of n items. */
export function logRelativePopularity(item: Item, n: number): number {
  return Math.log(Math.max(item.popularity, 1e-12) * n)
}

/** The choice logit of one item at slate position `position` (0-based). */
export function choiceLogit(p: ChoiceParams, persona: Persona, item: Item, utility: number, position: number, catalogSize: number): number {
  const lp = logRelativePopularity(item, catalogSize)
  const familiar = persona.favouriteCategories.includes(item.category) ? 1 : 0
  const recent = p.near && p.recentTaste ? p.recentTaste * nearScore(p.near, item.id) : 0
  const trend = p.trending && p.trendTaste ? p.trendTaste * nearScore(p.trending, item.id) : 0
  return (
    recent +
    trend +
    p.utility * utility +
    (p.popularity + p.popularityByConformity * (persona.traits.conformity - 0.5)) * lp +
    p.activity * (persona.traits.activity - 0.5) +
    p.familiarity * familiar +
    p.bias -
    p.positionBias * Math.log2(1 + position) -
    (p.outside ?? 0)
  )
}

/**
 * Sequential conditional-logit draws: up to `maxClicks` items (indexes into `logits`),
 * each drawn among the items not yet taken and the outside option; drawing the outside
 * option ends the visit. Pure given the rng.
 */
export function chooseFromSlate(logits: readonly number[], maxClicks: number, rng: Rng): number[] {
  const n = logits.length
  const taken = new Uint8Array(n)
  const weights = logits.map((z) => Math.exp(Math.min(30, z)))
  const out: number[] = []
  for (let c = 0; c < maxClicks; c++) {
    let total = 1
    for (let j = 0; j < n; j++) if (!taken[j]) total += weights[j]!
    let u = rng.next() * total - 1
    if (u < 0) break
    let chosen = -1
    for (let j = 0; j < n; j++) {
      if (taken[j]) continue
      chosen = j
      u -= weights[j]!
      if (u < 0) break
    }
    if (chosen < 0) break
    taken[chosen] = 1
    out.push(chosen)
  }
  return out
}

/** The co-consumption affinity of an item in a persona's `near` list (0 if absent). */
export function nearScore(near: { items: readonly number[]; scores: readonly number[] }, item: number): number {
  let lo = 0
  let hi = near.items.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const x = near.items[mid]!
    if (x === item) return near.scores[mid]!
    if (x < item) lo = mid + 1
    else hi = mid - 1
  }
  return 0
}
