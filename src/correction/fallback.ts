import type { RunConfig } from '../core/index.ts'
import { SURROGATE, type LlmSettings } from '../llm/create-runner.ts'
import type { ShardExecutor } from '../runner/executor.ts'
import { inlineExecutor } from '../runner/in-process/inline-executor.ts'
import { threadExecutor } from '../runner/in-process/thread-executor.ts'
import { hasGuards, recoveryOf } from '../checkpoint/settings.ts'

/** The LLM settings a tripped guard replays with: the surrogate, or the run's settings with overrides. */
export function fallbackSettings(config: RunConfig, llm: LlmSettings | undefined): LlmSettings {
  const f = recoveryOf(config).guards.fallback
  if (f === 'surrogate') return SURROGATE
  return { ...(llm ?? SURROGATE), ...f } as LlmSettings
}

/**
 * The fallback executor factory for a run with guards (undefined without): in-process,
 * on the same number of threads, with the fallback settings. Distributed runs fall back
 * in-process too: the fallback must not depend on what just failed.
 */
export function fallbackExecutorFor(
  config: RunConfig,
  opts: { threads?: number; llm?: LlmSettings; concurrency?: number },
): (() => Promise<ShardExecutor>) | undefined {
  if (!hasGuards(recoveryOf(config))) return undefined
  const llm = fallbackSettings(config, opts.llm)
  const threads = opts.threads ?? 1
  return async () => (threads === 0 ? inlineExecutor(config, llm, opts.concurrency) : threadExecutor(config, threads, llm, opts.concurrency))
}
