import { z } from 'zod'
import type { Interaction } from './interaction.ts'
import type { Rng } from './rng.ts'
import type { MetricFn } from './metric.ts'
import type { TaskDef } from './task.ts'
import type { Catalog, UserView } from './types.ts'

/** Everything a policy is built with. */
export interface PolicyContext {
  catalog: Catalog
  /** Number of agents in the run. */
  agents: number
  seed: number
  slateSize: number
}

/** Ground truth; only the oracle policy may use it (it is the metrics' upper bound). */
export interface RecommendTruth {
  utility(agent: number, item: number): number
}

export interface RecommendContext {
  catalog: Catalog
  round: number
  truth: RecommendTruth
  /**
   * Runs a typed task for this user (LLM policies: a parser, a planner, a CRS turn).
   * Seeded by (run seed, user, round, task, call) like the agent's tasks.
   */
  task<I, O>(def: TaskDef<I, O>, input: I): Promise<O>
}

/**
 * A per-user intervention the system applies this round besides the slate (a coupon on the
 * recommended items, a push notification, a promoted slot), handed to the agent as
 * StepContext.treatment. Arm 0 is control: it still names the campaign (`kind`, `params`)
 * so that an agent can evaluate the other arm (see scenarios/marketing).
 */
export interface Treatment {
  /** 0 = control; 1 = treated (higher numbers: further arms). */
  arm: number
  /** What the treatment is, e.g. 'coupon', 'push', 'slot'. */
  kind: string
  /** P(treated) for this user at assignment: the randomisation's probability, or 1 / 0 when targeted deterministically. */
  propensity: number
  /** Cost to the system of treating this user (0 for control). */
  cost: number
  /** Numeric settings of the treated arm, e.g. { discount: 0.15 } or { item: 42 }. */
  params?: Record<string, number>
}

/**
 * What `recommend` returns: the slate, or the slate plus the policy's memory of this
 * user (carried to the next round in UserView.memory), a message to show the user
 * (a conversational system's turn, handed to the agent as StepContext.message) and a
 * treatment (handed to the agent as StepContext.treatment).
 */
export type Recommendation =
  | number[]
  | {
      items: number[]
      memory?: unknown
      message?: string
      treatment?: Treatment
      /** One sentence per item, aligned with `items`, shown to the user with it (StepContext.explanations). */
      explanations?: string[]
    }

export type { IdList, Interaction } from './interaction.ts'

export interface RoundFeedback {
  round: number
  interactions: readonly Interaction[]
}

/** What `recommendBatch` is told besides the users: the run and round a request belongs to. */
export interface BatchRecommendContext {
  catalog: Catalog
  round: number
  runId: string
  seed: number
}

/** What `open` is told: the run, and the rounds it already had (a resumed or branched run). */
export interface PolicyOpenContext extends PolicyContext {
  runId: string
  /** The first round this invocation runs (0 for a new run). */
  fromRound: number
  /** The feedback of rounds 0..fromRound-1, in order (nothing for a new run). */
  replay(): AsyncIterable<RoundFeedback>
}

/**
 * The recommender under test. `recommend` runs inside shards (threads or remote
 * workers) on a read-only snapshot; `learn` runs between rounds in the orchestrator.
 * State and snapshot must be structured-cloneable (typed arrays welcome): they are
 * checkpointed and shipped to workers.
 */
export interface Policy<State = unknown, Snapshot = unknown> {
  name: string
  init(ctx: PolicyContext): State
  snapshot(state: State): Snapshot
  /** Returns up to k distinct item ids (optionally with per-user memory and a message). */
  recommend(snapshot: Snapshot, user: UserView, k: number, rng: Rng, ctx: RecommendContext): Recommendation | Promise<Recommendation>
  /**
   * Recommends for many users at once (one per user, in order). When a policy has it, a
   * shard asks it once for all its present users instead of calling `recommend` per user:
   * what a policy served over the network needs. Each user's slate must not depend on the
   * other users in the batch, so that results do not depend on sharding.
   */
  recommendBatch?(snapshot: Snapshot, users: readonly UserView[], k: number, ctx: BatchRecommendContext): Promise<Recommendation[]>
  learn(state: State, feedback: RoundFeedback, ctx: PolicyContext & { rng: Rng }): State | Promise<State>
  /**
   * Called once per invocation, before the first round it runs (a new run, a resume, a
   * branch): a policy that keeps state outside this process (a server) rebuilds it here from
   * `ctx.replay()`, and may return a new state. In-process policies need not have it: their
   * state is checkpointed.
   */
  open?(state: State, ctx: PolicyOpenContext): State | void | Promise<State | void>
  /**
   * Per-round metrics the policy contributes beside the scenario's (e.g. checks of what it
   * inferred about users against their hidden truth, read from `ctx.policyMemory`). They run
   * in the orchestrator after each round, like `ScenarioDef.metrics`.
   */
  metrics?: Record<string, MetricFn>
}

/**
 * Builds a policy from `--set policy.KEY=VALUE` style options. A factory declares the
 * options it takes (see `withOptions`): the run checks them before it starts, refusing an
 * unknown key (listing the known ones) or a value out of bounds; a factory that declares
 * none takes none.
 */
export type PolicyFactory = ((options: Record<string, unknown>) => Policy<any, any>) & {
  /** The policy's options, typed and bounded; the factory receives them parsed (defaults filled). */
  options?: z.ZodObject<z.ZodRawShape>
}

/**
 * A policy factory with declared options.
 *
 * @example
 * policies: {
 *   'diverse-popular': withOptions(z.object({ perCategory: z.number().int().min(1).max(10).default(2) }), (o) => diversePopular(o)),
 * }
 */
export function withOptions<T extends z.ZodObject<z.ZodRawShape>>(options: T, create: (options: z.output<T>) => Policy<any, any>): PolicyFactory {
  const factory = ((raw: Record<string, unknown>) => create(options.parse(raw))) as PolicyFactory
  factory.options = options
  return factory
}

/**
 * Defines a policy.
 *
 * @example
 * export const newest = definePolicy({
 *   name: 'newest',
 *   init: (ctx) => ({ order: ctx.catalog.items.map((i) => i.id).reverse() }),
 *   snapshot: (s) => s,
 *   recommend: (snap, user, k) => snap.order.filter((i) => !user.history.includes(i)).slice(0, k),
 *   learn: (s) => s,
 * })
 */
export function definePolicy<S, P>(policy: Policy<S, P>): Policy<S, P> {
  return policy
}
