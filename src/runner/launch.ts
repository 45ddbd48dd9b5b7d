import { z } from 'zod'
import { SimError, type ScenarioDef } from '../core/index.ts'
import { parseRunConfig, type RunConfig } from '../config/index.ts'
import type { LlmSettings } from '../llm/settings.ts'
import { RunStore, type CommitHook } from '../store/index.ts'
import type { ShardExecutor } from './executor.ts'
import { executionPlan, type ExecutionPlan } from './execution-plan.ts'
import { inlineExecutor } from './in-process/inline-executor.ts'
import { threadExecutor } from './in-process/thread-executor.ts'
import { defaultShardCount, runSimulation, type ResumePoint, type RunResult } from './orchestrator.ts'
import type { RunExtension } from './round-loop.ts'
import { loadScenario, resolveScenarioRef } from './scenario-loader.ts'
import { createShardEnv, policyFactory, policyNames, resolvePolicy } from './shard-env.ts'
import { checkPolicyOptions, checkScenarioParams } from './run-options.ts'
import { isPolicyUrl } from '../external/options.ts'
import type { ShardExtensionsModule } from './shard-extension.ts'
import { holdLease, type HeldLease } from './run-lease.ts'
import { USERSIM_VERSION } from './version.ts'
import { checkRunMemory } from './memory-estimate.ts'

/** What a caller may override of a scenario's defaults. */
export interface RunOverrides {
  agents?: number
  rounds?: number
  slate?: number
  policy?: string
  seed?: number
  catalogSize?: number
  params?: Record<string, unknown>
  policyOptions?: Record<string, unknown>
  ndcgSample?: number
  /** Checkpoint, critic and guard settings (src/config/recovery-settings.ts); defaults fill the rest. */
  recovery?: Record<string, unknown>
  /** The task backend (absent: the surrogate). */
  llm?: LlmSettings
  /** What the policy learns from before round 0: none, log, burn-in[:rounds] (default: the scenario's). */
  warmStart?: string
  /** A distilled surrogate profile and the model share (checked by the config schema). */
  hybrid?: unknown
}

/** Resolves a scenario reference and builds the run's configuration, parsed and typed once here. */
export async function buildRunConfig(scenarioRef: string, o: RunOverrides = {}): Promise<{ config: RunConfig; scenario: ScenarioDef }> {
  const ref = resolveScenarioRef(scenarioRef)
  const scenario = await loadScenario(ref)
  const d = scenario.defaults
  const params = checkScenarioParams(scenario, o.params ?? {})
  const config = parseRunConfig({
    scenario: ref,
    agents: o.agents ?? d.agents,
    rounds: o.rounds ?? scenario.rounds?.(params) ?? d.rounds,
    slate: o.slate ?? d.slate,
    policy: o.policy ?? d.policy,
    seed: o.seed ?? d.seed,
    catalogSize: o.catalogSize ?? d.catalogSize,
    params,
    policyOptions: o.policyOptions ?? {},
    ndcgSample: o.ndcgSample,
    warmStart: o.warmStart ?? d.warmStart ?? 'none',
    recovery: o.recovery,
    llm: o.llm,
    hybrid: o.hybrid,
  })
  if (!isPolicyUrl(config.policy) && !policyNames(scenario).includes(config.policy)) {
    throw new SimError('POLICY_UNKNOWN', `unknown policy "${config.policy}" (known: ${policyNames(scenario).join(', ')}, or a policy server's http:// URL)`)
  }
  if (config.warmStart === 'log' && !scenario.history) {
    throw new SimError('USAGE', `--warm-start log: scenario "${scenario.name}" has no history (a data-driven scenario's training log); use burn-in[:rounds] or none`)
  }
  // A policy's options are checked here, before any run row exists (an external policy's by its client).
  if (isPolicyUrl(config.policy)) resolvePolicy(scenario, config.policy, config.policyOptions)
  else checkPolicyOptions(config.policy, policyFactory(scenario, config.policy), config.policyOptions)
  return { config, scenario }
}

/**
 * The features plugged into a run, gathered in one place (see src/extensions): round-loop
 * extensions, store commit hooks, and the module whose shard extensions every shard
 * thread and worker loads. The engine runs without any.
 */
export interface Extensions {
  run: readonly RunExtension[]
  commitHooks: readonly CommitHook[]
  shardExtensions?: ShardExtensionsModule
}

export const NO_EXTENSIONS: Extensions = { run: [], commitHooks: [] }

export interface LaunchOptions {
  db: string
  /** Worker threads; 0 runs shards in this thread. Default: see executionPlan. */
  threads?: number
  shards?: number
  /** Agents in flight per shard (default: see executionPlan). */
  concurrency?: number
  runId?: string
  /** Supplies a different executor (e.g. BullMQ); default: in-process. */
  executor?: (config: RunConfig) => Promise<ShardExecutor>
  shouldStop?: () => boolean
  /** Features plugged in (default: none; the CLI and `simulate()` plug in the defaults). */
  extensions?: Extensions
}

export function newRunId(scenario: string): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  return `${scenario}-${t}-${Math.random().toString(16).slice(2, 6)}`
}

/** Starts the in-process executor of a plan (threads, or this thread when 0). */
function inProcessExecutor(config: RunConfig, plan: ExecutionPlan, llm: LlmSettings | undefined, shardExtensions: ShardExtensionsModule | undefined): Promise<ShardExecutor> {
  const opts = { llm, concurrency: plan.concurrency, shardExtensions }
  return plan.threads === 0 ? Promise.resolve(inlineExecutor(config, opts)) : threadExecutor(config, plan.threads, opts)
}

/** The executor a run uses: the caller's (e.g. BullMQ), or in-process per the execution plan. */
export function startExecutor(config: RunConfig, opts: Pick<LaunchOptions, 'threads' | 'concurrency' | 'executor' | 'extensions'>): Promise<ShardExecutor> {
  if (opts.executor) return opts.executor(config)
  return inProcessExecutor(config, executionPlan(config.llm, opts), config.llm, opts.extensions?.shardExtensions)
}

/** Records a new run (status running) with its config, seed and versions; a branch names its parent. */
export function createRunRow(store: RunStore, runId: string, scenario: string, config: RunConfig, parent: { run: string; round: number } | null = null): void {
  store.createRun({
    id: runId,
    scenario,
    config,
    seed: config.seed,
    versions: { usersim: USERSIM_VERSION, node: process.versions.node },
    status: 'running',
    createdAt: new Date().toISOString(),
    parentRun: parent?.run ?? null,
    parentRound: parent?.round ?? null,
  })
}

/** Writes the personas of agents [from, agents) in batches (they are rebuilt from the seed, not kept). */
export async function writePersonas(store: RunStore, runId: string, config: RunConfig, from = 0): Promise<void> {
  const env = await createShardEnv(config, 1)
  const batch = 5000
  for (let s = from; s < config.agents; s += batch) {
    const personas = []
    for (let a = s; a < Math.min(config.agents, s + batch); a++) personas.push(env.persona(a))
    store.insertPersonas(runId, personas)
  }
}

/** Creates the run in the store, writes its personas, and runs it to the end. */
export async function launchRun(config: RunConfig, opts: LaunchOptions): Promise<RunResult> {
  const scenario = await loadScenario(config.scenario)
  // A catalog that cannot fit is refused before the database is touched.
  if (!opts.executor) await checkRunMemory(scenario, config, executionPlan(config.llm, opts).threads)
  const store = new RunStore(opts.db)
  try {
    const runId = opts.runId ?? newRunId(scenario.name)
    createRunRow(store, runId, scenario.name, config)
    // Start the executor first: threads build their world while this thread writes personas.
    const executorReady = startExecutor(config, opts)
    executorReady.catch(() => {})
    try {
      await writePersonas(store, runId, config)
    } catch (err) {
      // A persona the scenario cannot build ends the run here: record it, and stop the
      // threads already started, or the process would never exit.
      await executorReady.then((e) => e.close()).catch(() => {})
      recordFailure(store, runId, err)
      throw err
    }
    return await runToEnd(store, runId, config, undefined, opts, executorReady)
  } finally {
    store.close()
  }
}

/**
 * Runs a stored run (new, resumed or branched) to its end on the given or a new
 * executor, with the extensions plugged in; marks it failed if it throws and always
 * closes the executor.
 */
export async function runToEnd(
  store: RunStore,
  runId: string,
  config: RunConfig,
  resume: ResumePoint | undefined,
  opts: Omit<LaunchOptions, 'db' | 'runId'>,
  executorReady?: Promise<ShardExecutor>,
): Promise<RunResult> {
  const ext = opts.extensions ?? NO_EXTENSIONS
  for (const hook of ext.commitHooks) store.addCommitHook(hook)
  const plan = executionPlan(config.llm, opts)
  let lease: HeldLease
  try {
    lease = holdLease(store, runId)
  } catch (err) {
    await executorReady?.then((e) => e.close()).catch(() => {})
    throw err
  }
  let executor: ShardExecutor
  try {
    // A resumed or branched run is checked like a new one: it would otherwise repeat the crash.
    if (!executorReady && !opts.executor) await checkRunMemory(await loadScenario(config.scenario), config, plan.threads)
    executor = await (executorReady ?? startExecutor(config, opts))
  } catch (err) {
    // Threads that could not build their world (or a world that cannot fit) end the run here, recorded.
    recordFailure(store, runId, err)
    lease.release()
    throw err
  }
  try {
    return await runSimulation({
      runId,
      config,
      store,
      executor,
      resume,
      shards: opts.shards ?? defaultShardCount(config.agents, Math.max(1, plan.threads)),
      shouldStop: opts.shouldStop,
      extensions: [lease.extension, ...ext.run],
      // Other executors (a guard's fallback) run in process, like the run's own plan.
      startExecutor: (llm) => inProcessExecutor(config, executionPlan(llm, { threads: plan.threads }), llm, ext.shardExtensions),
    })
  } catch (err) {
    // A policy server that is down is a pause, not an end: the rounds done are checkpointed.
    if (err instanceof SimError && err.code === 'POLICY_UNAVAILABLE') {
      err.message += `; the run is checkpointed: once the policy server answers again, \`npx usersim resume ${runId}\` continues it`
    }
    recordFailure(store, runId, err)
    throw err
  } finally {
    try {
      await executor.close()
    } finally {
      lease.release()
    }
  }
}

/** Marks a run failed with the error's message and gives up this process's lease (the store may itself be what failed). */
export function recordFailure(store: RunStore, runId: string, err: unknown): void {
  try {
    store.setRunStatus(runId, 'failed', err instanceof Error ? err.message : String(err))
    store.releaseLease(runId)
  } catch {
    // The original error says more than this one.
  }
}
