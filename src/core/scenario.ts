import { z } from 'zod'
import type { AgentDef } from './agent.ts'
import type { MetricFn } from './metric.ts'
import type { PolicyFactory, RoundFeedback } from './policy.ts'
import type { SocialGraph } from './social-graph.ts'
import type { Catalog, Persona } from './types.ts'

/** Defaults a scenario gives; CLI flags override them. */
export interface ScenarioDefaults {
  agents: number
  rounds: number
  slate: number
  policy: string
  seed: number
  catalogSize: number
  /**
   * What policies learn from before round 0 when `--warm-start` is not given:
   * 'none', 'log' (the scenario's `history`) or 'burn-in[:rounds]' (see docs/fidelity.md).
   */
  warmStart?: string
}

/** What a scenario's `history` hook receives. */
export interface HistoryContext {
  seed: number
  agents: number
  catalog: Catalog
  params: Record<string, unknown>
  /** What the scenario's `load` hook returned (undefined without one). */
  data?: unknown
}

/**
 * A log policies learn from before round 0 (`--warm-start log`): batches in time order,
 * handed to `Policy.learn` as one feedback of round −1 (their interactions in order).
 */
export interface HistoryLog {
  /** What the log is, for `show` and the report, e.g. "ml-latest-small training split (80 %)". */
  source: string
  batches: RoundFeedback[]
}

export interface CatalogContext {
  seed: number
  size: number
  params: Record<string, unknown>
  /** What the scenario's `load` hook returned (undefined without one). */
  data?: unknown
}

export interface PersonaContext {
  seed: number
  catalog: Catalog
  params: Record<string, unknown>
  /** What the scenario's `load` hook returned (undefined without one). */
  data?: unknown
}

/** What a scenario's `load` hook receives: the run's seed and scenario parameters. */
export interface LoadContext {
  seed: number
  params: Record<string, unknown>
}

export type { MetricContext, MetricFn } from './metric.ts'

/** What a scenario's social graph is built from: pure inputs, like the catalog's. */
export interface SocialContext {
  seed: number
  agents: number
  params: Record<string, unknown>
  catalog: Catalog
  /** What the scenario's `load` hook returned (an edge list read from a file, ...). */
  data?: unknown
  /** Persona `id` (for graphs homophilous by taste). */
  persona(id: number): Persona
}

/**
 * The social layer of a scenario: who is friends with whom at the start of a run. Agents
 * then message their friends (shares, recommendations, complaints) and follow or unfollow
 * (see docs/social.md). Without it agents have no neighbours and their messages go nowhere.
 */
export interface SocialSpec {
  /** Builds the graph (pure, seeded): `smallWorldGraph`, `preferentialGraph`, `homophilousGraph`, `graphFromEdges`. */
  graph(ctx: SocialContext): SocialGraph
}

/**
 * A scenario: what `usersim run <file>` loads. Catalog and personas are built from the
 * seed by pure functions, so every thread and remote worker rebuilds the same world
 * without shipping it.
 */
export interface ScenarioDef<S = any> {
  name: string
  description: string
  defaults: ScenarioDefaults
  /**
   * Reads external data (files, a dataset) once per thread or process, before
   * `catalog` and `persona` run; its result reaches them as `ctx.data`. The one place a
   * scenario may do I/O: catalog and persona stay pure functions of (seed, params, data).
   */
  load?(ctx: LoadContext): unknown
  /** Builds the catalog (pure, seeded). */
  catalog(ctx: CatalogContext): Catalog
  /** Builds persona `id` (pure, seeded by (seed, id)). */
  persona(id: number, ctx: PersonaContext): Persona
  /**
   * The interaction history before the simulation (a data set's training split), for
   * `--warm-start log`. Pure given (seed, params, data); never the held-out part.
   */
  history?(ctx: HistoryContext): HistoryLog
  agent: AgentDef<S>
  /** Policies this scenario adds to the built-ins, by name. */
  policies?: Record<string, PolicyFactory>
  /** Extra per-round metrics. */
  metrics?: Record<string, MetricFn<S>>
  /** A social graph between the agents (docs/social.md). */
  social?: SocialSpec
  /**
   * Search mode: the agent's `request` writes queries, and every policy is wrapped to receive
   * each query's preference anchors (top-k purchased, clicked and impressed items for the
   * query, from earlier rounds). See docs/search.md.
   */
  search?: { anchorsK?: number }
  /** Typed parameters settable with `--set key=value`. */
  params?: z.ZodObject<z.ZodRawShape>
  /** Rounds when `--rounds` is not given, from the parsed parameters (e.g. trials × turns); default `defaults.rounds`. */
  rounds?(params: Record<string, unknown>): number
  /**
   * LangChain chat models by task name, used with `--llm openai` instead of the
   * endpoint model for that task. Factories, because every thread and worker builds
   * its own: `models: { 'evaluate-slate': () => new ChatOllama({ model: 'llama3.1' }) }`.
   */
  models?: Record<string, () => unknown>
}

const positiveInt = z.number().int().positive()
const fn = (what: string) => z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', `expected ${what} (a function)`)

/** The checkable shape of a scenario module's default export. */
export const scenarioSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'kebab-case name (a-z, 0-9, -)'),
  description: z.string(),
  defaults: z.object({
    agents: positiveInt,
    rounds: positiveInt,
    slate: positiveInt.max(100),
    policy: z.string().min(1),
    seed: z.number().int().nonnegative(),
    catalogSize: positiveInt,
    warmStart: z.string().optional(),
  }),
  load: fn('load(ctx) returning the scenario data').optional(),
  catalog: fn('catalog(ctx) returning a Catalog'),
  persona: fn('persona(id, ctx) returning a Persona'),
  history: fn('history(ctx) returning { source, batches }').optional(),
  agent: z.object({
    name: z.string(),
    initialState: fn('initialState(persona, rng)'),
    history: fn('history(state) returning the item ids the user consumed'),
    visit: fn('visit(ctx)'),
    step: fn('step(ctx)'),
    request: fn('request(ctx) returning the search request').optional(),
  }),
  policies: z.record(z.string(), fn('a policy factory')).optional(),
  metrics: z.record(z.string(), fn('a metric function')).optional(),
  social: z.object({ graph: fn('graph(ctx) returning a SocialGraph') }).optional(),
  models: z.record(z.string(), fn('a chat model factory, () => new ChatOllama(...)')).optional(),
  search: z.object({ anchorsK: z.number().int().positive().max(100).optional() }).optional(),
  params: z.any().optional(),
  rounds: fn('rounds(params) returning the default number of rounds').optional(),
})

/**
 * Defines a scenario.
 *
 * @example
 * export default defineScenario({
 *   name: 'my-feed',
 *   description: 'Feed with picky users',
 *   defaults: { agents: 2000, rounds: 5, slate: 10, policy: 'popularity', seed: 1, catalogSize: 1000 },
 *   catalog: (ctx) => generateCatalog(ctx),
 *   persona: (id, ctx) => ({ ...generatePersona(id, ctx), expectation: 0.8 }),
 *   agent: ailoAgent(),
 * })
 */
export function defineScenario<S>(def: ScenarioDef<S>): ScenarioDef<S> {
  return def
}
