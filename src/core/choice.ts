import type { Rng } from './rng.ts'
import type { ChoiceParams, Item, Persona } from './types.ts'

export type { ChoiceParams }

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
  return (
    p.utility * utility +
    (p.popularity + p.popularityByConformity * (persona.traits.conformity - 0.5)) * lp +
    p.activity * (persona.traits.activity - 0.5) +
    p.familiarity * familiar +
    p.bias -
    p.positionBias * Math.log2(1 + position)
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
