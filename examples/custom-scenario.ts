/**
 * A researcher's own scenario: a small podcast catalog, impatient listeners who expect
 * a lot, and a custom metric (the share of clicks that go to the long tail).
 *
 *   npx usersim run examples/custom-scenario.ts --agents 2000 --policy bpr
 */
import { ailoAgent, defineScenario, generateCatalog, generatePersona, type OutcomeRow } from 'usersim'

const GENRES = ['news', 'true-crime', 'science', 'comedy', 'history', 'business']

export default defineScenario({
  name: 'impatient-podcasts',
  description: 'Podcast feed with demanding, impatient listeners',
  defaults: { agents: 3000, rounds: 6, slate: 8, policy: 'popularity', seed: 7, catalogSize: 1500 },
  catalog: ({ seed, size }) => generateCatalog({ seed, size, categories: GENRES, zipf: 1.1 }),
  persona: (id, ctx) => {
    const p = generatePersona(id, ctx)
    // Everyone expects more and gives up sooner than the default population.
    return { ...p, expectation: Math.min(1, p.expectation + 0.1), patience: p.patience * 0.7 }
  },
  agent: ailoAgent({ speakRate: 0.1 }),
  metrics: {
    longTailClickShare: (rows: readonly OutcomeRow[], { catalog }) => {
      const tail = 1 / catalog.items.length
      let clicks = 0
      let inTail = 0
      for (const r of rows) {
        for (const c of r.clicks) {
          clicks++
          if (catalog.items[c]!.popularity < tail) inTail++
        }
      }
      return clicks ? inTail / clicks : 0
    },
  },
})
