import { defineScenario, generatePersona } from '../../src/core/index.ts'
import { ailoAgent } from '../../agents/users/ailo/index.ts'
import { generateShopCatalog } from '../shop/catalog.ts'

/**
 * `search`: personalised search on a shop (docs/search.md). Each visit an AILO shopper
 * searches for a need (task `write-query`: short or long, brand- or attribute-led, at times
 * vague or misspelt), judges the result page by relevance and taste, clicks, adds to the cart
 * and buys within a budget, and after a bad page may reformulate. Every policy receives the
 * query and its preference anchors (top-5 purchased, clicked and impressed items for the
 * query, from earlier rounds).
 */
export default defineScenario({
  name: 'search',
  description: 'Personalised shop search: queries, preference anchors, click → cart → order, reformulation',
  defaults: { agents: 20_000, rounds: 5, slate: 10, policy: 'bm25', seed: 42, catalogSize: 5000 },
  catalog: ({ seed, size }) => generateShopCatalog({ seed, size }),
  persona: (id, { seed, catalog }) => generatePersona(id, { seed, catalog }),
  agent: ailoAgent({ commerce: true, search: true }),
  search: { anchorsK: 5 },
})
