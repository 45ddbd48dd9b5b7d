/**
 * usersim — the scenario author's API: define scenarios, agents, tasks and policies, use
 * the built-in ones, and run a simulation from a script. What extends the engine itself
 * (the round loop, the store, executors, extension points) is in `usersim/engine`.
 *
 * @example
 * import { defineScenario, generateCatalog, generatePersona, ailoAgent } from 'usersim'
 * export default defineScenario({
 *   name: 'my-feed', description: 'Picky users',
 *   defaults: { agents: 2000, rounds: 5, slate: 10, policy: 'popularity', seed: 1, catalogSize: 1000 },
 *   catalog: ({ seed, size }) => generateCatalog({ seed, size }),
 *   persona: (id, ctx) => ({ ...generatePersona(id, ctx), expectation: 0.8 }),
 *   agent: ailoAgent(),
 * })
 */

// Defining things
export { defineScenario, type ScenarioDef, type ScenarioDefaults, type CatalogContext, type PersonaContext, type LoadContext, type MetricFn, type MetricContext } from './core/scenario.ts'
export { defineAgent, type AgentDef, type StepContext, type StepOutcome, type VisitContext, type Truth } from './core/agent.ts'
export { defineTask, type TaskDef, type ChatMessage } from './core/task.ts'
export {
  definePolicy,
  withOptions,
  type Policy,
  type PolicyContext,
  type PolicyFactory,
  type Recommendation,
  type RecommendContext,
  type RecommendTruth,
  type RoundFeedback,
  type Interaction,
  type IdList,
} from './core/policy.ts'
export type { Item, Catalog, Persona, TagWeight, LinguisticStyle, ActivityType, UserView, Utterance } from './core/types.ts'
export type { OutcomeRow } from './core/outcome.ts'

// Seeded randomness and the world's building blocks
export { rngFor, agentRng, type Rng } from './core/rng.ts'
export { generateCatalog, type CatalogOptions } from './core/generators/catalog.ts'
export { generatePersona, type StatedTastes } from './core/generators/population.ts'
export { topK, itemSimilarity, indexCatalog, compilePersona, trueUtility, type CatalogIndex, type CompiledPersona } from './core/utility.ts'
export { SimError, ERROR_CODES, type SimErrorCode } from './core/errors/index.ts'
export { personaSchema, itemSchema } from './core/world-schemas.ts'
// The zod the engine checks with: declare `params` and policy options with it (`import { z } from 'usersim'`).
export { z } from 'zod'

// Built-in users and recommenders
export { ailoAgent, AILO_DEFAULTS, evaluateSlate, decideContinue, decidePurchase, writeUtterance, personaBrief, personaText } from '../agents/users/ailo/index.ts'
export type { AiloOptions, AiloState, AiloMemory, PersonaBrief } from '../agents/users/ailo/index.ts'
export { crsUserAgent, type CrsEpisode } from '../agents/users/crs-user/index.ts'
export { feedCommanderAgent, type FeedCommanderState } from '../agents/users/feed-commander/index.ts'
export { BUILTIN_POLICIES, bprPolicy, cooccurrencePolicy, oraclePolicy, popularityPolicy, randomPolicy, rankByScore, takeRanked } from '../agents/recommenders/index.ts'

// Consistency critics a scenario adds to its tasks (docs/recovery.md)
export { registerCritic, type Critic, type Verdict } from './correction/critic.ts'

// A policy served over HTTP, in a scenario's `policies` (docs/external-policies.md)
export { externalPolicy } from './external/external-policy.ts'

// RecBot's tool registry: tools a scenario adds to the planner's chains (docs/scenarios.md)
export { registerTool, type RecTool, type ToolCall } from '../agents/recommenders/recbot/index.ts'

// Running
export { simulate, type SimulateOptions } from './simulate.ts'
export type { RunResult } from './runner/orchestrator.ts'
export type { RunConfig } from './config/index.ts'
export type { LlmSettings } from './llm/settings.ts'
export type { RoundMetrics, RunSummary } from './metrics/index.ts'
