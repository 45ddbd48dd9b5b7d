import { z } from 'zod'
import { defineScenario, generatePersona } from '../../src/core/index.ts'
import { feedCommanderAgent, drawFeedTarget } from '../../agents/users/feed-commander/index.ts'
import { keywordPolicy, recbotPolicy } from '../../agents/recommenders/recbot/index.ts'
import { fashionCatalog } from './catalog.ts'
import { feedMetrics } from './metrics.ts'

const params = z.object({
  /** single: one composite command then judged; multi: one condition per round; drift: multi with a change of mind. */
  setting: z.enum(['single', 'multi', 'drift']).default('multi'),
  /** T_max: the episode ends by this round (keep --rounds at least this). */
  maxRounds: z.number().int().min(2).max(50).default(8),
  /** Round at which drifting users change their mind. */
  driftRound: z.number().int().min(1).default(3),
  /** Trials per shopper (RetroAct): a failed episode restarts with the same target, after RecBot reflects on it. */
  trials: z.number().int().min(1).max(10).default(1),
})

/**
 * `interactive-feed`: RecBot's Interactive Recommendation Feed. Shoppers with hidden
 * hard and soft conditions (a target item) issue natural-language commands grounded in
 * the feed until an item meets them all or T_max is reached. Policies: `recbot`
 * (Parser + Planner + tools), `keyword` (keyword matcher) and the built-in `bpr` (commands ignored).
 */
export default defineScenario({
  name: 'interactive-feed',
  description: 'RecBot interactive feed: natural-language commands, parser + planner + tools (setting=single|multi|drift)',
  defaults: { agents: 1000, rounds: 8, slate: 10, policy: 'recbot', seed: 7, catalogSize: 5000 },
  params,
  catalog: ({ seed, size }) => fashionCatalog(seed, size),
  persona: (id, { seed, catalog, params: raw }) => {
    const p = params.parse(raw)
    const base = generatePersona(id, { seed, catalog })
    const maxRounds = p.setting === 'single' ? 2 : p.maxRounds
    return { ...base, hidden: { ...base.hidden, target: drawFeedTarget({ seed, id, catalog, setting: p.setting, maxRounds, driftRound: p.driftRound, trials: p.trials }) } }
  },
  // Every trial may use all its rounds.
  rounds: (raw) => {
    const p = params.parse(raw)
    return p.trials * (p.setting === 'single' ? 2 : p.maxRounds)
  },
  agent: feedCommanderAgent({ paraphrase: 0.15 }),
  policies: { recbot: () => recbotPolicy(), keyword: () => keywordPolicy() },
  metrics: feedMetrics,
})
