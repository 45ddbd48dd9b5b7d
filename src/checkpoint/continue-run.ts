import type { RunConfig } from '../core/index.ts'
import type { LlmSettings } from '../llm/create-runner.ts'
import type { ResumePoint, RunResult } from '../runner/orchestrator.ts'
import { defaultThreads, runToEnd, startExecutor, writePersonas, type LaunchOptions } from '../runner/launch.ts'
import type { RunStore } from '../store/index.ts'
import type { ShardExecutor } from '../runner/executor.ts'
import type { CheckpointData } from './checkpoint-store.ts'

/** How a resumed or branched run executes (what `run` takes, minus the database and id). */
export type ContinueOptions = Omit<LaunchOptions, 'db' | 'runId'>

export function resumePointOf(cp: CheckpointData): ResumePoint {
  return {
    round: cp.round + 1,
    states: [...cp.states],
    policyState: cp.policyState,
    previous: [...cp.metrics],
    exposure: cp.exposure,
    fallback: cp.extra.fallback,
  }
}

/** Writes any personas a run lacks (a crash can come before they were all written). */
export async function ensurePersonas(store: RunStore, runId: string, config: RunConfig): Promise<void> {
  const have = store.db.prepare('SELECT count(*) FROM agents WHERE run_id = ?').pluck().get(runId) as number
  if (have >= config.agents) return
  await writePersonas(store, runId, config)
}

/** The LLM settings a run was started with (stored in its config; absent: the surrogate). */
export function llmOf(config: RunConfig): LlmSettings | undefined {
  return config.llm as LlmSettings | undefined
}

/** Starts the run's executor early; a failure surfaces when it is awaited. */
export function startExecutorEarly(config: RunConfig, opts: ContinueOptions): Promise<ShardExecutor> {
  const p = startExecutor(config, { ...opts, llm: opts.llm ?? llmOf(config), threads: opts.threads ?? defaultThreads() })
  p.catch(() => {})
  return p
}

/** Closes an executor started early when the caller fails before using it. */
export async function discardExecutor(p: Promise<ShardExecutor>): Promise<void> {
  await p.then((e) => e.close()).catch(() => {})
}

/** Runs a stored run from a resume point (or from the start) to its end, like `launchRun`. */
export async function continueRun(
  store: RunStore,
  runId: string,
  config: RunConfig,
  resume: ResumePoint | undefined,
  opts: ContinueOptions,
  /** An executor already starting (threads build their world while the caller loads the checkpoint). */
  executorReady?: Promise<ShardExecutor>,
): Promise<RunResult> {
  return runToEnd(store, runId, config, resume, { ...opts, llm: opts.llm ?? llmOf(config) }, executorReady)
}
