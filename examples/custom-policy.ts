/**
 * A researcher's own policy: popularity re-ranked for diversity (at most two items per
 * category in a slate), with a little seeded exploration. The scenario registers it
 * under a name, so `--policy diverse-popular` picks it; the built-ins stay available.
 *
 *   npx usersim run examples/custom-policy.ts --agents 2000
 *   npx usersim run examples/custom-policy.ts --agents 2000 --policy popularity
 */
import { ailoAgent, definePolicy, defineScenario, generateCatalog, generatePersona, rankByScore, withOptions, z } from 'usersim'

export function diversePopular(options: { perCategory?: number; explore?: number } = {}) {
  const perCategory = options.perCategory ?? 2
  const explore = options.explore ?? 0.1
  return definePolicy({
    name: 'diverse-popular',
    init: (ctx) => ({ clicks: Float64Array.from(ctx.catalog.items, (it) => it.popularity * ctx.agents) }),
    snapshot: (s) => rankByScore(s.clicks),
    recommend: (order, user, k, rng, ctx) => {
      const perCat = new Map<string, number>()
      const out: number[] = []
      for (let i = 0; i < order.length && out.length < k; i++) {
        // Now and then jump to a random item: the policy's own exploration, seeded per user and round.
        const id = rng.next() < explore ? order[rng.int(order.length)]! : order[i]!
        if (user.history.includes(id) || out.includes(id)) continue
        const cat = ctx.catalog.items[id]!.category
        if ((perCat.get(cat) ?? 0) >= perCategory) continue
        perCat.set(cat, (perCat.get(cat) ?? 0) + 1)
        out.push(id)
      }
      return out
    },
    learn: (s, feedback) => {
      const clicks = Float64Array.from(s.clicks)
      for (const it of feedback.interactions) for (const c of it.clicks) clicks[c]! += 1
      return { clicks }
    },
  })
}

export default defineScenario({
  name: 'diverse-feed',
  description: 'The feed scenario with a diversity-aware popularity policy',
  defaults: { agents: 3000, rounds: 5, slate: 10, policy: 'diverse-popular', seed: 11, catalogSize: 3000 },
  catalog: ({ seed, size }) => generateCatalog({ seed, size }),
  persona: (id, ctx) => generatePersona(id, ctx),
  agent: ailoAgent(),
  // Options are declared, typed and bounded: `--set policy.perCategory=3` is checked before the run starts.
  policies: {
    'diverse-popular': withOptions(
      z.object({ perCategory: z.number().int().min(1).max(20).optional(), explore: z.number().min(0).max(1).optional() }),
      (o) => diversePopular(o),
    ),
  },
})
