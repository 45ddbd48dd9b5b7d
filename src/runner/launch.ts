import { availableParallelism } from 'node:os'
import { z } from 'zod'
import { runConfigSchema, SimError, type RunConfig, type ScenarioDef } from '../core/index.ts'
import type { LlmSettings } from '../llm/create-runner.ts'
import { RunStore } from '../store/index.ts'
import type { ShardExecutor } from './executor.ts'
import { inlineExecutor } from './in-process/inline-executor.ts'
import { threadExecutor } from './in-process/thread-executor.ts'
import { defaultShardCount, runSimulation, type ResumePoint, type RunListener, type RunResult } from './orchestrator.ts'
import { loadScenario, resolveScenarioRef } from './scenario-loader.ts'
import { createShardEnv, policyNames } from './shard-env.ts'
import { USERSIM_VERSION } from './version.ts'
import { fallbackExecutorFor } from '../correction/fallback.ts'

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
  /** Checkpoint, critic and guard settings (src/checkpoint/settings.ts). */
  recovery?: Record<string, unknown>
}

/** Resolves a scenario reference and builds a validated run configuration. */
export async function buildRunConfig(scenarioRef: string, o: RunOverrides = {}): Promise<{ config: RunConfig; scenario: ScenarioDef }> {
  const ref = resolveScenarioRef(scenarioRef)
  const scenario = await loadScenario(ref)
  const d = scenario.defaults
  let params: Record<string, unknown> = o.params ?? {}
  if (scenario.params) {
    const parsed = scenario.params.safeParse(params)
    if (!parsed.success) throw new SimError('USAGE', `invalid --set for scenario "${scenario.name}":\n${z.prettifyError(parsed.error)}`)
    params = parsed.data as Record<string, unknown>
  }
  const parsed = runConfigSchema.safeParse({
    scenario: ref,
    agents: o.agents ?? d.agents,
    rounds: o.rounds ?? d.rounds,
    slate: o.slate ?? d.slate,
    policy: o.policy ?? d.policy,
    seed: o.seed ?? d.seed,
    catalogSize: o.catalogSize ?? d.catalogSize,
    params,
    policyOptions: o.policyOptions ?? {},
    ndcgSample: o.ndcgSample,
    recovery: o.recovery,
  })
  if (!parsed.success) throw new SimError('USAGE', `invalid run configuration:\n${z.prettifyError(parsed.error)}`)
  const config = parsed.data
  if (!policyNames(scenario).includes(config.policy)) {
    throw new SimError('POLICY_UNKNOWN', `unknown policy "${config.policy}" (known: ${policyNames(scenario).join(', ')})`)
  }
  return { config, scenario }
}

export interface LaunchOptions {
  db: string
  /** Worker threads; 0 runs shards in this thread. Default: the machine's cores. */
  threads?: number
  shards?: number
  llm?: LlmSettings
  /** Agents in flight per shard (useful with a model backend). */
  concurrency?: number
  listener?: RunListener
  runId?: string
  /** Supplies a different executor (e.g. BullMQ); default: in-process. */
  executor?: (config: RunConfig) => Promise<ShardExecutor>
  shouldStop?: () => boolean
}

export function newRunId(scenario: string): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  return `${scenario}-${t}-${Math.random().toString(16).slice(2, 6)}`
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 8))
}

/** The executor a run uses: the caller's (e.g. BullMQ), or in-process threads (0: this thread). */
export function startExecutor(config: RunConfig, opts: Pick<LaunchOptions, 'threads' | 'llm' | 'concurrency' | 'executor'>): Promise<ShardExecutor> {
  const threads = opts.threads ?? defaultThreads()
  if (opts.executor) return opts.executor(config)
  return threads === 0 ? Promise.resolve(inlineExecutor(config, opts.llm, opts.concurrency)) : threadExecutor(config, threads, opts.llm, opts.concurrency)
}

/** Records a new run (status running) with its config, seed and versions; a branch names its parent. */
export function createRunRow(
  store: RunStore,
  runId: string,
  scenario: string,
  config: RunConfig,
  parent: { run: string; round: number } | null = null,
): void {
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
  const store = new RunStore(opts.db)
  try {
    const scenario = await loadScenario(config.scenario)
    const runId = opts.runId ?? newRunId(scenario.name)
    createRunRow(store, runId, scenario.name, config)
    const threads = opts.threads ?? defaultThreads()
    // Start the executor first: threads build their world while this thread writes personas.
    const executorReady = startExecutor(config, { ...opts, threads })
    executorReady.catch(() => {})
    await writePersonas(store, runId, config)
    return await runToEnd(store, runId, config, undefined, { ...opts, threads }, executorReady)
  } finally {
    store.close()
  }
}

/**
 * Runs a stored run (new, resumed or branched) to its end on the given or a new
 * executor; marks it failed if it throws and always closes the executor.
 */
export async function runToEnd(
  store: RunStore,
  runId: string,
  config: RunConfig,
  resume: ResumePoint | undefined,
  opts: Omit<LaunchOptions, 'db' | 'runId'>,
  executorReady?: Promise<ShardExecutor>,
): Promise<RunResult> {
  const threads = opts.threads ?? defaultThreads()
  const executor = await (executorReady ?? startExecutor(config, { ...opts, threads }))
  try {
    return await runSimulation({
      runId,
      config,
      store,
      executor,
      resume,
      shards: opts.shards ?? defaultShardCount(config.agents, Math.max(1, threads)),
      listener: opts.listener,
      shouldStop: opts.shouldStop,
      fallbackExecutor: fallbackExecutorFor(config, { ...opts, threads }),
    })
  } catch (err) {
    store.setRunStatus(runId, 'failed', (err as Error).message)
    throw err
  } finally {
    await executor.close()
  }
}
