import { z } from 'zod'
import { defineScenario, generateCatalog, generatePersona, withOptions } from '../../src/core/index.ts'
import { crsUserAgent, drawCrsTarget } from '../../agents/users/crs-user/index.ts'
import { crsPolicy } from '../../agents/recommenders/crs/index.ts'
import { crsMetrics } from './metrics.ts'

const params = z.object({
  /** Turns per dialogue (ECPO: 5); keep --rounds at least this. */
  maxTurns: z.number().int().min(1).max(20).default(5),
  /** Trials per user (RetroAct): a failed dialogue restarts with the same user and target, after the CRS reflects on it. */
  trials: z.number().int().min(1).max(10).default(1),
})

/**
 * `conversational`: ECPO's setting. An AILO user with a hidden target item and a persona
 * (activity type, linguistic style) talks with a conversational recommender for at most
 * `maxTurns` turns (one round = one turn), rating every system turn. Policy: `crs`. With
 * `--set trials=N` a failed dialogue restarts (same user, same target) up to N trials in all,
 * and the CRS reflects on each failure (RetroAct).
 */
export default defineScenario({
  name: 'conversational',
  description: 'ECPO conversational recommender with AILO users (hidden target, per-turn ECT ratings)',
  defaults: { agents: 1000, rounds: 5, slate: 5, policy: 'crs', seed: 11, catalogSize: 2000 },
  params,
  catalog: ({ seed, size }) => generateCatalog({ seed, size }),
  persona: (id, { seed, catalog, params: raw }) => {
    const p = params.parse(raw)
    const base = generatePersona(id, { seed, catalog })
    return { ...base, hidden: { ...base.hidden, target: drawCrsTarget(base, catalog, seed, p.maxTurns, p.trials) } }
  },
  // Every trial may use all its turns.
  rounds: (raw) => {
    const p = params.parse(raw)
    return p.trials * p.maxTurns
  },
  agent: crsUserAgent(),
  policies: { crs: withOptions(z.object({ maxTurns: z.number().int().min(1).max(20).optional() }), (o) => crsPolicy(o)) },
  metrics: crsMetrics(),
})
