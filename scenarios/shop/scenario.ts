import { defineScenario, generatePersona } from '../../src/core/index.ts'
import { ailoAgent } from '../../agents/users/ailo/index.ts'
import { generateShopCatalog } from './catalog.ts'

/**
 * `shop`: an e-commerce feed. AILO users on a shop catalog click, then add to the cart and
 * buy within a per-visit budget (task `decide-purchase`), so the log carries the whole
 * funnel, impression → click → cart → order, and the metrics add-to-cart rate,
 * conversion and GMV.
 */
export default defineScenario({
  name: 'shop',
  description: 'E-commerce feed: AILO shoppers click, add to cart and buy within a budget',
  defaults: { agents: 20_000, rounds: 5, slate: 10, policy: 'popularity', seed: 42, catalogSize: 5000 },
  catalog: ({ seed, size }) => generateShopCatalog({ seed, size }),
  persona: (id, { seed, catalog }) => generatePersona(id, { seed, catalog }),
  agent: ailoAgent({ commerce: true }),
})
