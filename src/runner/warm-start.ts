import { createHash } from 'node:crypto'
import {
  chooseFromSlate,
  choiceLogit,
  DEFAULT_POSITION_BIAS,
  rngFor,
  SimError,
  type ChoiceParams,
  type HistoryLog,
  type Interaction,
  type Policy,
  type PolicyContext,
  type RoundFeedback,
} from '../core/index.ts'
import type { RunConfig } from '../config/index.ts'
import type { WarmStartRecord } from '../store/index.ts'
import type { ShardEnv } from './shard-env.ts'

/** Rounds of burn-in when `--warm-start burn-in` names none. */
export const BURN_IN_ROUNDS = 3

/**
 * The choice model of the burn-in users when their personas carry none (synthetic
 * scenarios): choices follow the hidden utility, lean toward popular items, and most
 * visits to a popularity-ranked slate end in zero or one click.
 */
export const BURN_IN_CHOICE: ChoiceParams = {
  utility: 2,
  popularity: 0.3,
  popularityByConformity: 0.6,
  activity: 0.5,
  familiarity: 0.3,
  bias: -2.5,
  positionBias: DEFAULT_POSITION_BIAS,
}

/** Clicks a burn-in user makes at most per visit, as in AILO. */
const MAX_CLICKS = { efficiency: 1, detail: 2, exploration: 3 } as const

export interface WarmStartSpec {
  kind: 'none' | 'log' | 'burn-in'
  /** Burn-in rounds (0 unless burn-in). */
  rounds: number
}

/** Parses `none`, `log`, `burn-in` or `burn-in:R` (the config schema has checked the shape). */
export function parseWarmStart(spec: string): WarmStartSpec {
  if (spec === 'none' || spec === 'log') return { kind: spec, rounds: 0 }
  const m = /^burn-in(?::(\d+))?$/.exec(spec)
  if (!m) throw new SimError('USAGE', `--warm-start: expected none, log, or burn-in[:rounds] (got "${spec}")`)
  return { kind: 'burn-in', rounds: m[1] ? Number(m[1]) : BURN_IN_ROUNDS }
}

/**
 * The history a run's policy learns from before round 0, or undefined for a cold start.
 * A pure function of the configuration (and the scenario's data): a resume or a branch
 * rebuilds the same log, and the round loop checks its digest against the stored one.
 */
export function warmStartLog(env: ShardEnv, config: RunConfig): HistoryLog | undefined {
  const spec = parseWarmStart(config.warmStart)
  if (spec.kind === 'none') return undefined
  if (spec.kind === 'log') {
    if (!env.scenario.history) {
      throw new SimError('USAGE', `--warm-start log: scenario "${env.scenario.name}" has no history (a data-driven scenario's training log); use burn-in[:rounds] or none`)
    }
    return env.scenario.history({ seed: config.seed, agents: config.agents, catalog: env.catalog, params: config.params, data: env.data })
  }
  return burnInLog(env, config, spec.rounds)
}

/**
 * A seeded burn-in log: for `rounds` rounds every user visits once and is shown a slate
 * drawn by a logging policy with realistic exposure bias (items sampled in proportion to
 * their popularity, without the ones the user already clicked), and chooses from it by
 * the conditional-logit choice model over its hidden utilities (core/choice.ts),
 * position bias included. Randomness is keyed by (seed, 'burn-in', agent, round).
 */
export function burnInLog(env: ShardEnv, config: RunConfig, rounds: number): HistoryLog {
  const items = env.catalog.items
  const n = items.length
  const cum = new Float64Array(n)
  let total = 0
  items.forEach((it, i) => (cum[i] = total += it.popularity))
  const k = Math.min(config.slate, n)
  const clicked: Set<number>[] = Array.from({ length: config.agents }, () => new Set())
  const batches: RoundFeedback[] = []
  for (let r = 0; r < rounds; r++) {
    const interactions: Interaction[] = []
    for (let a = 0; a < config.agents; a++) {
      const rng = rngFor(config.seed, 'burn-in', a, r)
      const persona = env.persona(a)
      const truth = env.truthFor(a)
      const slate: number[] = []
      const onSlate = new Set<number>()
      for (let guard = 0; slate.length < k && guard < k * 50; guard++) {
        const i = drawByWeight(cum, rng.next() * total)
        if (onSlate.has(i) || clicked[a]!.has(i)) continue
        onSlate.add(i)
        slate.push(i)
      }
      const params = persona.choice ?? BURN_IN_CHOICE
      const logits = slate.map((i, j) => choiceLogit(params, persona, items[i]!, truth(i), j, n))
      const picks = chooseFromSlate(logits, MAX_CLICKS[persona.activityType], rng).map((j) => slate[j]!)
      for (const c of picks) clicked[a]!.add(c)
      const ratings = picks.map((c) => Math.min(5, Math.max(1, Math.round(persona.rating.mean + truth(c)))))
      interactions.push({ agent: a, slate, clicks: picks, ratings })
    }
    batches.push({ round: r - rounds, interactions })
  }
  return { source: `burn-in: ${rounds} round${rounds === 1 ? '' : 's'} of a popularity-biased logging policy, users choosing by the choice model`, batches }
}

function drawByWeight(cum: Float64Array, x: number): number {
  let lo = 0
  let hi = cum.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (cum[mid]! > x) hi = mid
    else lo = mid + 1
  }
  return lo
}

/**
 * The log as the one feedback a policy learns from before round 0: every batch's
 * interactions in order, as round −1 (what usersim.policy.v1 sends as `kind: history`).
 */
export function warmStartFeedback(log: HistoryLog): RoundFeedback {
  return { round: -1, interactions: log.batches.flatMap((b) => b.interactions) }
}

/** Lets the policy learn from the log through its own `learn`, seeded like a round: (seed, 'learn', −1). */
export async function applyWarmStart(policy: Policy, state: unknown, log: HistoryLog, pctx: PolicyContext): Promise<unknown> {
  return policy.learn(state as never, warmStartFeedback(log), { ...pctx, rng: rngFor(pctx.seed, 'learn', -1) })
}

/** What `show` and the report say about a warm start, with a digest of the log. */
export function summarizeWarmStart(kind: string, log: HistoryLog): WarmStartRecord {
  const h = createHash('sha256')
  const users = new Set<number>()
  let interactions = 0
  let clicks = 0
  for (const b of log.batches) {
    h.update(`#${b.round}\n`)
    for (const it of b.interactions) {
      interactions++
      clicks += it.clicks.length
      users.add(it.agent)
      h.update(`${it.agent}|${Array.from(it.slate).join(',')}|${Array.from(it.clicks).join(',')}|${Array.from(it.ratings).join(',')}\n`)
    }
  }
  return { kind, source: log.source, batches: log.batches.length, users: users.size, interactions, clicks, digest: h.digest('hex').slice(0, 16) }
}
