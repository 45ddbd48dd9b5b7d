import { z } from 'zod'
import type { AgentDef } from './agent.ts'
import type { OutcomeRow } from './outcome.ts'
import type { PolicyFactory } from './policy.ts'
import type { Catalog, Persona } from './types.ts'

/** Defaults a scenario gives; CLI flags override them. */
export interface ScenarioDefaults {
  agents: number
  rounds: number
  slate: number
  policy: string
  seed: number
  catalogSize: number
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

/** A custom per-round metric computed from the round's outcome rows (in agent order). */
export type MetricFn<S = unknown> = (rows: readonly OutcomeRow[], ctx: MetricContext<S>) => number

/** What a custom metric sees besides the round's rows. Every list is aligned with `rows` (agent order). */
export interface MetricContext<S = unknown> {
  round: number
  catalog: Catalog
  /** The agents' own states after this round (episode bookkeeping lives there). */
  states: readonly S[]
  /** The policy's memory of each user after this round (what `recommend` returned as `memory`). */
  policyMemory: readonly unknown[]
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
  agent: AgentDef<S>
  /** Policies this scenario adds to the built-ins, by name. */
  policies?: Record<string, PolicyFactory>
  /** Extra per-round metrics. */
  metrics?: Record<string, MetricFn<S>>
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
  }),
  load: fn('load(ctx) returning the scenario data').optional(),
  catalog: fn('catalog(ctx) returning a Catalog'),
  persona: fn('persona(id, ctx) returning a Persona'),
  agent: z.object({
    name: z.string(),
    initialState: fn('initialState(persona, rng)'),
    history: fn('history(state) returning the item ids the user consumed'),
    visit: fn('visit(ctx)'),
    step: fn('step(ctx)'),
  }),
  policies: z.record(z.string(), fn('a policy factory')).optional(),
  metrics: z.record(z.string(), fn('a metric function')).optional(),
  models: z.record(z.string(), fn('a chat model factory, () => new ChatOllama(...)')).optional(),
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
