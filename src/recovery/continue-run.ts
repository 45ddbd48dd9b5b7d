import type { RunConfig } from '../config/index.ts'
import type { CheckpointData } from '../checkpoint/checkpoint-repo.ts'
import { runToEnd, startExecutor, writePersonas, type LaunchOptions, type ResumePoint, type RunResult, type ShardExecutor } from '../runner/index.ts'
import type { RunStore } from '../store/index.ts'

/**
 * How a resumed or branched run executes (what `run` takes, minus the database and id).
 * `extensions` is required: a run must continue with the features it ran with (critics
 * change what agents do; without checkpoints a later resume has nothing to start from).
 * `defaultExtensions()` is what the CLI uses.
 */
export type ContinueOptions = Omit<LaunchOptions, 'db' | 'runId' | 'extensions'> & Required<Pick<LaunchOptions, 'extensions'>>

export function resumePointOf(cp: CheckpointData): ResumePoint {
  return {
    round: cp.round + 1,
    states: [...cp.states],
    policyState: cp.policyState,
    previous: [...cp.metrics],
    exposure: cp.exposure,
    facts: { ...cp.extra },
  }
}

/** Writes any personas a run lacks (a crash can come before they were all written). */
export async function ensurePersonas(store: RunStore, runId: string, config: RunConfig): Promise<void> {
  if (store.personaCount(runId) >= config.agents) return
  await writePersonas(store, runId, config)
}

/** Starts the run's executor early; a failure surfaces when it is awaited. */
export function startExecutorEarly(config: RunConfig, opts: ContinueOptions): Promise<ShardExecutor> {
  const p = startExecutor(config, opts)
  p.catch(() => {})
  return p
}

/** Closes an executor started early when the caller fails before using it. */
export async function discardExecutor(p: Promise<ShardExecutor>): Promise<void> {
  await p.then((e) => e.close()).catch(() => {})
}

/** Runs a stored run from a resume point (or from the start) to its end, like `launchRun`. */
export function continueRun(
  store: RunStore,
  runId: string,
  config: RunConfig,
  resume: ResumePoint | undefined,
  opts: ContinueOptions,
  /** An executor already starting (threads build their world while the caller loads the checkpoint). */
  executorReady?: Promise<ShardExecutor>,
): Promise<RunResult> {
  return runToEnd(store, runId, config, resume, opts, executorReady)
}
