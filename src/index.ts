/**
 * usersim — the author API. Scenario authors import from here (`usersim` in a project
 * that depends on the package, or a relative path inside this repository).
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
export * from './core/index.ts'
export { ailoAgent, AILO_DEFAULTS, evaluateSlate, decideContinue, writeUtterance, personaBrief, personaText } from '../agents/users/ailo/index.ts'
export type { AiloOptions, PersonaBrief } from '../agents/users/ailo/index.ts'
export { BUILTIN_POLICIES, bprPolicy, cooccurrencePolicy, oraclePolicy, popularityPolicy, randomPolicy, rankByScore, takeRanked } from '../agents/recommenders/index.ts'
export { buildRunConfig, launchRun, runShard, runSimulation, createShardEnv, loadScenario, type LaunchOptions, type RunOverrides, type RunResult, type RunListener } from './runner/index.ts'
export { RunStore, type RunRecord, type RoundRecord } from './store/index.ts'
export type { RoundMetrics, RunSummary } from './metrics/index.ts'
export { simulate, type SimulateOptions } from './simulate.ts'
