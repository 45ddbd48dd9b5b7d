import { z } from 'zod'
import {
  defineScenario,
  generateCatalog,
  generatePersona,
  graphFromEdges,
  hashString,
  homophilousGraph,
  preferentialGraph,
  SimError,
  smallWorldGraph,
  type SocialContext,
  type SocialGraph,
} from '../../src/core/index.ts'
import { readEdgeList, type EdgeList } from '../../src/data/index.ts'
import { ailoAgent } from '../../agents/users/ailo/index.ts'
import { socialMetrics } from './metrics.ts'

const params = z.object({
  /** Turns the social layer off (the same run without friends): `--set social=false`. */
  social: z.preprocess((v) => (v === 'false' || v === '0' ? false : v === 'true' || v === '1' ? true : v), z.boolean()).default(true),
  /** How friendships are drawn: small-world, preferential (attachment) or homophilous (by favourite category). */
  graph: z.enum(['small-world', 'preferential', 'homophilous']).default('homophilous'),
  /** Mean number of friends. */
  degree: z.coerce.number().int().min(1).max(1000).default(20),
  /** Homophilous graphs: the share of friends drawn from the user's own taste group. */
  homophily: z.coerce.number().min(0).max(1).default(0.8),
  /** An edge list (CSV: source,target) instead of a generated graph. */
  edges: z.string().min(1).optional(),
})

function parseParams(raw: unknown) {
  const p = params.safeParse(raw)
  if (!p.success) throw new SimError('USAGE', `social-feed: ${p.error.issues.map((i) => `--set ${i.path.join('.')}: ${i.message}`).join('; ')}`)
  return p.data
}

function graphOf(ctx: SocialContext): SocialGraph {
  const p = parseParams(ctx.params)
  const { agents, seed } = ctx
  if (!p.social) return graphFromEdges(agents, [], [])
  if (p.edges) {
    const e = ctx.data as EdgeList
    if (e.agents > agents) throw new SimError('USAGE', `social-feed: the edge list ${p.edges} names agent ${e.agents - 1}, but the run has ${agents} agents (--agents)`)
    return graphFromEdges(agents, e.a, e.b)
  }
  if (p.graph === 'small-world') return smallWorldGraph({ agents, degree: p.degree, seed })
  if (p.graph === 'preferential') return preferentialGraph({ agents, degree: p.degree, seed })
  const categories = ctx.catalog.categories
  return homophilousGraph({
    agents,
    degree: p.degree,
    seed,
    homophily: p.homophily,
    group: (id) => {
      const fav = ctx.persona(id).favouriteCategories[0]
      return fav === undefined ? hashString(String(id)) % 1024 : categories.indexOf(fav)
    },
  })
}

/**
 * `social-feed`: the `feed` world with friends. Users see the recommender's slate and,
 * beside it, what their friends shared last round with a comment; they share what they
 * loved, complain about what disappointed, follow and unfollow. Messages are delivered
 * between rounds (supersteps), so results do not depend on shards, threads or workers.
 * See docs/social.md.
 */
export default defineScenario({
  name: 'social-feed',
  description: 'The feed with a social graph: friends share items with comments (word of mouth)',
  defaults: { agents: 5000, rounds: 5, slate: 10, policy: 'popularity', seed: 42, catalogSize: 3000 },
  params,
  load: ({ params: raw }) => {
    const p = parseParams(raw)
    return p.edges && p.social ? readEdgeList(p.edges) : undefined
  },
  catalog: ({ seed, size }) => generateCatalog({ seed, size }),
  persona: (id, { seed, catalog }) => generatePersona(id, { seed, catalog }),
  agent: ailoAgent(),
  social: { graph: graphOf },
  metrics: socialMetrics(),
})
