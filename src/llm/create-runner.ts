import { z } from 'zod'
import { SimError, type RecordingTaskRunner, type ScenarioDef } from '../core/index.ts'
import type { LlmLimiter } from './limits.ts'
import { createLlmRunner } from './llm-runner.ts'
import { createMixedRunner } from './mixed-runner.ts'
import { openAiSettingsSchema, SURROGATE, type LlmSettings } from './settings.ts'
import { surrogateRunner } from './surrogate-runner.ts'

export { SURROGATE, type LlmSettings } from './settings.ts'

/** What a thread or worker may add when it builds its runner. */
export interface RunnerContext {
  /** The run's scenario: its `models` factories supply LangChain chat models per task. */
  scenario?: Pick<ScenarioDef, 'models'>
  /** Limits shared beyond this process (e.g. Redis-backed); default: in-process. */
  limiter?: LlmLimiter
}

// One runner per settings object per process: executors may ask once per round, and
// the limiter, connections and endpoint health must last the whole run.
const runners = new WeakMap<object, Promise<RecordingTaskRunner>>()

/** Builds (or reuses) the task runner for one thread or worker. */
export function createTaskRunner(settings: LlmSettings = SURROGATE, ctx: RunnerContext = {}): Promise<RecordingTaskRunner> {
  if (settings.backend === 'surrogate') return Promise.resolve(surrogateRunner())
  let r = runners.get(settings)
  if (!r) {
    const parsed = openAiSettingsSchema.safeParse(settings)
    if (!parsed.success) return Promise.reject(new SimError('USAGE', `invalid LLM settings:\n${z.prettifyError(parsed.error)}`))
    const deps = { models: ctx.scenario?.models, limiter: ctx.limiter }
    r = Promise.resolve(parsed.data.agentModels ? createMixedRunner(parsed.data, deps) : createLlmRunner(parsed.data, deps))
    runners.set(settings, r)
  }
  return r
}
