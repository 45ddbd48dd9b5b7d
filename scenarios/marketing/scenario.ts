import { z } from 'zod'
import { defineScenario, generateCatalog, generatePersona } from '../../src/core/index.ts'
import { profileOf, shopperAgent, truthOf } from '../../agents/users/shopper/index.ts'
import { CAMPAIGN_POLICIES } from './policies.ts'
import { marketingMetrics } from './metrics.ts'

const share = z.number().min(0).max(1)
const params = z.object({
  /** Segment shares of the population (normalised). */
  persuadable: share.default(0.3),
  sureThing: share.default(0.25),
  lostCause: share.default(0.3),
  sleepingDog: share.default(0.15),
})

/**
 * `marketing`: an online shop and its customers (the `shopper` agent), and a marketer who
 * sends a treatment each round — a coupon on the recommended items, a push notification or
 * a promoted recommendation slot — at random (`rct`, `target-random`) or by an uplift model
 * under a budget (`target-uplift`). Every logged round carries the exact individual effect
 * (the twin evaluation): see docs/uplift.md. `usersim export <run> --format uplift` writes
 * the uplift dataset; `usersim eval uplift` scores uplift models on it.
 */
export default defineScenario({
  name: 'marketing',
  description: 'Uplift marketing: shoppers, coupons / push / promoted slots, exact counterfactuals (true ITE)',
  defaults: { agents: 5000, rounds: 6, slate: 5, policy: 'rct', seed: 7, catalogSize: 500 },
  params,
  catalog: ({ seed, size }) => generateCatalog({ seed, size }),
  persona: (id, { seed, catalog, params: raw }) => {
    const mix = params.parse(raw)
    const base = generatePersona(id, { seed, catalog })
    const profile = profileOf(seed, id)
    return { ...base, hidden: { ...base.hidden, target: { profile, truth: truthOf(seed, id, profile, mix) } } }
  },
  agent: shopperAgent(),
  policies: CAMPAIGN_POLICIES,
  metrics: marketingMetrics(),
})
