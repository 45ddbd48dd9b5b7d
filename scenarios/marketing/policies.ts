import { z } from 'zod'
import { definePolicy, mix32, rngFor, SimError, type Policy, type PolicyFactory, type Treatment, withOptions } from '../../src/core/index.ts'
import { BUILTIN_POLICIES } from '../../agents/recommenders/index.ts'
import { EMPTY_LOG, featureVector, logRound, profileOf, TREATMENT_KINDS, type BehaviourLog } from '../../agents/users/shopper/index.ts'
import { fitUplift, predictUplift, type UpliftModel } from '../../src/uplift/learners.ts'

/** Campaign settings: `--set policy.KEY=VALUE`. */
export const campaignOptions = z
  .object({
    /** What the treated arm gets. */
    treatment: z.enum(TREATMENT_KINDS).default('coupon'),
    /** Coupon discount on the recommended items. */
    discount: z.number().min(0).max(0.9).default(0.15),
    /** Cost of one treatment (default: coupon 1, push 0.05, slot 0.5). */
    cost: z.number().min(0).optional(),
    /** rct: P(treated) of every user every round. */
    propensity: z.number().gt(0).lt(1).default(0.5),
    /** target-*: share of users treated per round. */
    budget: z.number().gt(0).max(1).default(0.2),
    /** target-uplift: fully randomised rounds before the model targets. */
    warmup: z.number().int().min(1).default(1),
    /** target-uplift: share of users kept randomised (P = 0.5) every targeted round, to keep learning. */
    holdout: z.number().min(0).max(1).default(0.1),
    /** target-uplift: learner and base model. */
    learner: z.enum(['s', 't', 'to']).default('t'),
    base: z.enum(['gbdt', 'logistic']).default('gbdt'),
    /** The recommender of the slate (a built-in policy). */
    slate: z.string().default('popularity'),
    /** Flip the arm of agent A in round R: "A@R,A@R" (the twin-exactness check). */
    flip: z.union([z.string(), z.number()]).optional(),
  })
  .strict()
export type CampaignOptions = z.infer<typeof campaignOptions>

const DEFAULT_COST = { coupon: 1, push: 0.05, slot: 0.5 } as const

/** How the plan assigns a user: 0 control, 1 treat, 2 randomise with the plan's propensity. */
const CONTROL = 0
const TREAT = 1
const RANDOM = 2

/** The randomised assignment's uniform draw of (seed, agent, round): the same in recommend and learn. */
export const assignmentDraw = (seed: number, agent: number, round: number) => rngFor(seed, agent, round, 'assign').next()

function parseFlips(v: string | number | undefined): Set<string> {
  const out = new Set<string>()
  if (v === undefined || v === '') return out
  for (const part of String(v).split(',')) {
    const m = /^\s*(\d+)@(\d+)\s*$/.exec(part)
    if (!m) throw new SimError('USAGE', `policy.flip expects AGENT@ROUND[,AGENT@ROUND…] (got "${part}")`)
    out.add(`${Number(m[1])}@${Number(m[2])}`)
  }
  return out
}

interface CampaignState {
  seed: number
  base: unknown
  logs: BehaviourLog[]
  /** The plan of the coming round, per agent (CONTROL, TREAT, RANDOM), and the RANDOM propensity. */
  plan: Uint8Array
  p: number
  /** Randomised rows logged so far (features, arm, conversion, propensity): what the model learns from. */
  train: { x: number[][]; t: number[]; y: number[]; e: number[] }
  model: UpliftModel | null
}

interface CampaignSnapshot {
  seed: number
  base: unknown
  plan: Uint8Array
  p: number
}

type Mode = 'rct' | 'target-random' | 'target-uplift'

function armOf(plan: number, p: number, seed: number, agent: number, round: number, flips: Set<string>): { arm: number; propensity: number } {
  let arm = plan === TREAT ? 1 : plan === CONTROL ? 0 : assignmentDraw(seed, agent, round) < p ? 1 : 0
  const propensity = plan === TREAT ? 1 : plan === CONTROL ? 0 : p
  if (flips.has(`${agent}@${round}`)) arm = 1 - arm
  return { arm, propensity }
}

/**
 * A marketing campaign on top of a recommender: every round each user gets the slate of
 * the base policy and a treatment decision (StepContext.treatment).
 * - `rct`: randomised, P(treated) = propensity.
 * - `target-random`: randomised, P(treated) = budget (the baseline of targeting).
 * - `target-uplift`: after `warmup` randomised rounds, an uplift model (learner on base)
 *   trained between rounds on the randomised rows so far (its own order and send logs)
 *   treats the top budget share by predicted uplift (only where it is positive); a
 *   `holdout` share stays randomised so that it keeps learning.
 * Whom to treat is decided between rounds (in `learn`), so the budget is met exactly and
 * the decision of one user never depends on another's outcome in the same round.
 */
export function campaignPolicy(mode: Mode, raw: Record<string, unknown>): Policy<CampaignState, CampaignSnapshot> {
  const parsed = campaignOptions.safeParse(raw)
  if (!parsed.success) throw new SimError('USAGE', `policy ${mode}: ${z.prettifyError(parsed.error)}`)
  const o = parsed.data
  const base = (BUILTIN_POLICIES[o.slate] ?? (() => {
    throw new SimError('USAGE', `policy.slate: unknown policy "${o.slate}" (known: ${Object.keys(BUILTIN_POLICIES).join(', ')})`)
  }))({}) as Policy
  const flips = parseFlips(o.flip)
  const cost = o.cost ?? DEFAULT_COST[o.treatment]
  const firstP = mode === 'rct' ? o.propensity : mode === 'target-random' ? o.budget : 0.5

  const planFor = (s: CampaignState, round: number, agents: number): { plan: Uint8Array; p: number; model: UpliftModel | null } => {
    if (mode !== 'target-uplift' || round < o.warmup || s.train.y.length < 50) return { plan: new Uint8Array(agents).fill(RANDOM), p: firstP, model: s.model }
    const model = fitUplift(o.learner, s.train, { base: o.base, binary: true, gbdt: { trees: 40 } })
    const plan = new Uint8Array(agents).fill(CONTROL)
    const candidates: number[] = []
    const x: number[][] = []
    let held = 0
    for (let a = 0; a < agents; a++) {
      if (mix32(a ^ mix32(s.seed ^ round ^ 0x68bc21eb)) / 4294967296 < o.holdout) {
        plan[a] = RANDOM
        held++
      } else {
        candidates.push(a)
        x.push(featureVector(profileOf(s.seed, a), s.logs[a]!, round))
      }
    }
    const score = predictUplift(model, x)
    const budget = Math.max(0, Math.round(o.budget * agents - 0.5 * held))
    const order = candidates.map((_, k) => k).sort((i, j) => score[j]! - score[i]! || i - j)
    for (let r = 0; r < Math.min(budget, order.length); r++) {
      const k = order[r]!
      if (score[k]! <= 0) break
      plan[candidates[k]!] = TREAT
    }
    return { plan, p: 0.5, model }
  }

  return definePolicy<CampaignState, CampaignSnapshot>({
    name: mode,
    init: (ctx) => {
      const s: CampaignState = {
        seed: ctx.seed,
        base: base.init(ctx),
        logs: Array.from({ length: ctx.agents }, () => EMPTY_LOG),
        plan: new Uint8Array(0),
        p: firstP,
        train: { x: [], t: [], y: [], e: [] },
        model: null,
      }
      return { ...s, ...planFor(s, 0, ctx.agents) }
    },
    snapshot: (s) => ({ seed: s.seed, base: base.snapshot(s.base), plan: s.plan, p: s.p }),
    recommend: async (snap, user, k, rng, ctx) => {
      const rec = await base.recommend(snap.base, user, o.treatment === 'slot' ? k + 1 : k, rng, ctx)
      const ranked = Array.isArray(rec) ? rec : rec.items
      const items = ranked.slice(0, k)
      const { arm, propensity } = armOf(snap.plan[user.id] ?? RANDOM, snap.p, snap.seed, user.id, ctx.round, flips)
      const params: Record<string, number> = o.treatment === 'coupon' ? { discount: o.discount } : o.treatment === 'slot' ? { item: ranked[k] ?? ranked[0] ?? 0 } : {}
      const treatment: Treatment = { arm, kind: o.treatment, propensity, cost: arm === 1 ? cost : 0, params }
      return { items, treatment, memory: Array.isArray(rec) ? user.memory : rec.memory }
    },
    learn: (s, feedback, ctx) => {
      const logs = [...s.logs]
      const train = { x: [...s.train.x], t: [...s.train.t], y: [...s.train.y], e: [...s.train.e] }
      const round = feedback.round
      for (const it of feedback.interactions) {
        const a = it.agent
        const { arm, propensity } = armOf(s.plan[a] ?? RANDOM, s.p, s.seed, a, round, flips)
        const bought = it.clicks.length > 0 ? it.clicks[0]! : -1
        const price = bought >= 0 ? ctx.catalog.items[bought]!.price : 0
        const spend = bought < 0 ? 0 : arm === 1 && o.treatment === 'coupon' ? Math.round(price * (1 - o.discount) * 100) / 100 : price
        if (s.plan[a] === RANDOM && mode === 'target-uplift') {
          train.x.push(featureVector(profileOf(s.seed, a), logs[a]!, round))
          train.t.push(arm)
          train.y.push(bought >= 0 ? 1 : 0)
          train.e.push(propensity)
        }
        logs[a] = logRound(logs[a]!, round, arm === 1, bought >= 0, spend)
      }
      const next = { ...s, base: base.learn(s.base, feedback, ctx), logs, train }
      return { ...next, ...planFor(next, round + 1, ctx.agents) }
    },
  })
}

/** The campaign policies by name, for the scenario's `policies`. */
export const CAMPAIGN_POLICIES: Record<string, PolicyFactory> = {
  rct: withOptions(campaignOptions, (o) => campaignPolicy('rct', o)),
  'target-random': withOptions(campaignOptions, (o) => campaignPolicy('target-random', o)),
  'target-uplift': withOptions(campaignOptions, (o) => campaignPolicy('target-uplift', o)),
}
