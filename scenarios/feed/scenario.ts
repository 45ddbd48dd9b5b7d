import { defineScenario, generateCatalog, generatePersona } from '../../src/core/index.ts'
import { ailoAgent } from '../../agents/users/ailo/index.ts'

/**
 * `feed`: a synthetic catalog with long-tailed popularity and a synthetic population of
 * AILO users who see one slate a round, click, rate, leave, return and now and then
 * say something. The default run takes a few seconds.
 */
export default defineScenario({
  name: 'feed',
  description: 'Synthetic catalog and AILO population on a recommendation feed',
  defaults: { agents: 20_000, rounds: 5, slate: 10, policy: 'popularity', seed: 42, catalogSize: 5000, warmStart: 'burn-in' },
  catalog: ({ seed, size }) => generateCatalog({ seed, size }),
  persona: (id, { seed, catalog }) => generatePersona(id, { seed, catalog }),
  agent: ailoAgent(),
})
