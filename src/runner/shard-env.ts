import {
  compilePersona,
  indexCatalog,
  SimError,
  trueUtility,
  withSearchContext,
  type Catalog,
  type CatalogIndex,
  type CompiledPersona,
  type Persona,
  type Policy,
  type PolicyContext,
  type PolicyFactory,
  type ScenarioDef,
  type SocialGraph,
} from '../core/index.ts'
import { idealList, type IdealList } from '../metrics/index.ts'
import { BUILTIN_POLICIES } from '../../agents/recommenders/index.ts'
import type { RunConfig } from '../config/index.ts'
import { loadScenario, scenarioPath } from './scenario-loader.ts'
import { buildCatalog, buildPersona } from './user-code.ts'
import { checkPolicyOptions } from './run-options.ts'
import { externalPolicy } from '../external/external-policy.ts'
import { isPolicyUrl } from '../external/options.ts'

/** Items beyond the slate size kept in an ideal list, so a bounded history can be skipped. */
const IDEAL_SLACK = 32

/** The world one thread or worker holds for a run: rebuilt from the config, never shipped. */
export interface ShardEnv {
  config: RunConfig
  scenario: ScenarioDef
  catalog: Catalog
  index: CatalogIndex
  policy: Policy
  /** What the scenario's `load` hook returned (undefined without one). */
  data: unknown
  persona(id: number): Persona
  compiled(id: number): CompiledPersona
  utility(agent: number, item: number): number
  /** The true-utility function of one agent (resolves the persona once). */
  truthFor(agent: number): (item: number) => number
  /** The agent's best items by true utility (cached: personas do not change). */
  ideal(agent: number): IdealList
  /** The scenario's social graph (built on first use, once per thread), or undefined without a social layer. */
  socialGraph(): SocialGraph | undefined
}

// Social graphs are pure functions of (scenario, seed, agents, params): build each once per thread.
const graphs = new Map<string, SocialGraph>()

function cachedGraph(scenario: ScenarioDef, config: RunConfig, catalog: Catalog, data: unknown): SocialGraph | undefined {
  if (!scenario.social) return undefined
  const key = JSON.stringify([config.scenario, config.seed, config.agents, config.params])
  let g = graphs.get(key)
  if (!g) {
    const ctx = { seed: config.seed, catalog, params: config.params, data }
    g = scenario.social.graph({ ...ctx, agents: config.agents, persona: (id: number) => scenario.persona(id, ctx) })
    if (!g || !(g.offsets instanceof Int32Array) || !(g.targets instanceof Int32Array) || g.agents !== config.agents || g.offsets.length !== config.agents + 1) {
      throw new SimError('SCENARIO_INVALID', `scenario "${scenario.name}": social.graph must return a SocialGraph over ${config.agents} agents (use smallWorldGraph, preferentialGraph, homophilousGraph or graphFromEdges)`)
    }
    if (graphs.size >= 2) graphs.clear()
    graphs.set(key, g)
  }
  return g
}

// Catalogs are pure functions of (scenario, seed, size, params): build each once per thread.
const catalogs = new Map<string, Catalog>()

// What scenarios' `load` hooks returned: read once per thread or process (I/O at the edge).
const loaded = new Map<string, Promise<unknown>>()

/** Runs the scenario's `load` hook once per (scenario, seed, params) in this thread. */
export function scenarioData(scenario: ScenarioDef, config: RunConfig): Promise<unknown> {
  if (!scenario.load) return Promise.resolve(undefined)
  const key = JSON.stringify([config.scenario, config.seed, config.params])
  let p = loaded.get(key)
  if (!p) {
    p = Promise.resolve().then(() => scenario.load!({ seed: config.seed, params: config.params }))
    if (loaded.size >= 4) loaded.clear()
    loaded.set(key, p)
    p.catch(() => loaded.delete(key))
  }
  return p
}

function cachedCatalog(scenario: ScenarioDef, config: RunConfig, data: unknown): Catalog {
  const key = JSON.stringify([config.scenario, config.seed, config.catalogSize, config.params])
  let c = catalogs.get(key)
  if (!c) {
    c = buildCatalog(scenarioPath(config.scenario), () => scenario.catalog({ seed: config.seed, size: config.catalogSize, params: config.params, data }))
    if (catalogs.size >= 4) catalogs.clear()
    catalogs.set(key, c)
  }
  return c
}

/** Items per preference-anchor group when a search scenario does not say. */
const DEFAULT_ANCHORS_K = 5

/** Every policy a scenario can name: built-ins plus its own. */
export function policyNames(scenario: ScenarioDef): string[] {
  return [...new Set([...Object.keys(BUILTIN_POLICIES), ...Object.keys(scenario.policies ?? {})])].sort()
}

/** The factory of a policy the scenario can name (its own, else a built-in). */
export function policyFactory(scenario: ScenarioDef, name: string): PolicyFactory {
  const factory = scenario.policies?.[name] ?? BUILTIN_POLICIES[name]
  if (!factory) {
    throw new SimError('POLICY_UNKNOWN', `unknown policy "${name}" (known: ${policyNames(scenario).join(', ')})`)
  }
  return factory
}

export function resolvePolicy(scenario: ScenarioDef, name: string, options: Record<string, unknown>): Policy {
  // A URL is a policy served over usersim.policy.v1 (src/external).
  if (isPolicyUrl(name)) return externalPolicy(name, options) as Policy
  const factory = policyFactory(scenario, name)
  return factory(checkPolicyOptions(name, factory, options))
}

export function policyContext(env: Pick<ShardEnv, 'config' | 'catalog'>): PolicyContext {
  return { catalog: env.catalog, agents: env.config.agents, seed: env.config.seed, slateSize: env.config.slate }
}

export async function createShardEnv(config: RunConfig, maxCachedPersonas = Infinity): Promise<ShardEnv> {
  const scenario = await loadScenario(config.scenario)
  const data = await scenarioData(scenario, config)
  const catalog = cachedCatalog(scenario, config, data)
  const index = indexCatalog(catalog)
  const resolved = resolvePolicy(scenario, config.policy, config.policyOptions)
  // Search mode: every policy gets each query's preference anchors (src/core/search.ts).
  const policy = scenario.search ? (withSearchContext(resolved, { anchorsK: scenario.search.anchorsK ?? DEFAULT_ANCHORS_K }) as Policy) : resolved
  const file = scenarioPath(config.scenario)
  const personas = new Map<number, { persona: Persona; compiled: CompiledPersona }>()
  const ideals = new Map<number, IdealList>()
  const entry = (id: number) => {
    let e = personas.get(id)
    if (!e) {
      const persona = buildPersona(file, () => scenario.persona(id, { seed: config.seed, catalog, params: config.params, data }), id, index.dim)
      e = { persona, compiled: compilePersona(persona, index) }
      if (personas.size >= maxCachedPersonas) personas.clear()
      personas.set(id, e)
    }
    return e
  }
  return {
    config,
    scenario,
    catalog,
    index,
    policy,
    data,
    persona: (id) => entry(id).persona,
    compiled: (id) => entry(id).compiled,
    utility: (agent, item) => trueUtility(entry(agent).compiled, index, item),
    ideal: (agent) => {
      let list = ideals.get(agent)
      if (!list) {
        const cp = entry(agent).compiled
        list = idealList((item) => trueUtility(cp, index, item), catalog.items.length, config.slate + IDEAL_SLACK)
        ideals.set(agent, list)
      }
      return list
    },
    socialGraph: () => cachedGraph(scenario, config, catalog, data),
    truthFor: (agent) => {
      const cp = entry(agent).compiled
      return (item) => trueUtility(cp, index, item)
    },
  }
}
