import { defaultExtensions, type DefaultExtensionOptions } from '../../src/extensions/index.ts'
import { launchRun as engineLaunch, onEvents, type LaunchOptions, type RoundLoopHandlers, type RunResult } from '../../src/runner/index.ts'
import type { RunConfig } from '../../src/config/index.ts'
import { branchRun as engineBranch, type BranchOverrides } from '../../src/recovery/branch.ts'
import type { ContinueOptions } from '../../src/recovery/continue-run.ts'
import { resumeRun as engineResume } from '../../src/recovery/resume.ts'

/**
 * `launchRun` with every feature plugged in, as the CLI and `simulate()` run it
 * (checkpoints, critics, guards, traces). `on` adds round-loop handlers.
 */
export function launchRun(config: RunConfig, opts: LaunchOptions & { on?: RoundLoopHandlers; features?: DefaultExtensionOptions }): Promise<RunResult> {
  const { on, features, ...rest } = opts
  return engineLaunch(config, { ...rest, extensions: defaultExtensions({ ...features, run: [...(features?.run ?? []), ...(on ? [onEvents('test', on)] : [])] }) })
}

/** `resumeRun` with every feature plugged in, as the CLI resumes. */
export function resumeRun(db: string, runId: string, opts: Omit<ContinueOptions, 'extensions'> = {}) {
  return engineResume(db, runId, { ...opts, extensions: defaultExtensions() })
}

/** `branchRun` with every feature plugged in, as the CLI branches. */
export function branchRun(db: string, parentId: string, round: number, o: BranchOverrides, opts: Omit<ContinueOptions, 'extensions'> = {}) {
  return engineBranch(db, parentId, round, o, { ...opts, extensions: defaultExtensions() })
}
