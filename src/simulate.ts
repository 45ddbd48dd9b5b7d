import { SimError } from './core/index.ts'
import { defaultExtensions } from './extensions/index.ts'
import { preflight } from './llm/preflight.ts'
import { llmSettingsSchema, type LlmSettings } from './llm/settings.ts'
import { buildRunConfig, launchRun, type RunOverrides, type RunResult } from './runner/index.ts'
import { withAgentModels, withModelSample } from './distill/strata.ts'
import type { z } from 'zod'

export interface SimulateOptions extends Omit<RunOverrides, 'llm'> {
  /** SQLite file for the run (default: usersim.db). */
  db?: string
  /** Worker threads (0: this thread). Default: the cores on the surrogate, this thread on a model (see executionPlan). */
  threads?: number
  /**
   * The task backend, as `--llm openai --model M --base-url URL` sets it on the CLI:
   * `{ backend: 'openai', model: 'M', endpoints: [{ url: 'http://127.0.0.1:8000/v1', concurrency: 64 }] }`.
   * The endpoints are checked before the run starts; OPENAI_API_KEY is read from the environment.
   */
  llm?: z.input<typeof llmSettingsSchema>
}

/**
 * Runs a scenario (built-in name or module path) from a script and returns its metrics,
 * with every feature the CLI plugs in (checkpoints, critics, guards).
 *
 * @example
 * const { summary } = await simulate('feed', { agents: 5000, rounds: 3, policy: 'bpr', db: 'runs.db' })
 * console.log(summary.satisfaction)
 *
 * @example
 * // On a model server: the same settings as the CLI's --llm openai flags.
 * await simulate('feed', { agents: 200, llm: { backend: 'openai', model: 'qwen2.5-7b', endpoints: [{ url: 'http://127.0.0.1:8000/v1', concurrency: 64 }] } })
 */
export async function simulate(scenario: string, options: SimulateOptions = {}): Promise<RunResult> {
  const { db = 'usersim.db', threads, llm: rawLlm, ...overrides } = options
  let llm: LlmSettings | undefined
  if (rawLlm) {
    const parsed = llmSettingsSchema.safeParse(rawLlm.backend === 'openai' ? { cacheFile: db, ...rawLlm } : rawLlm)
    if (!parsed.success) throw new SimError('USAGE', `invalid llm settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
    llm = parsed.data
    if (llm.backend === 'openai') await preflight(llm)
  }
  const built = await buildRunConfig(scenario, { ...overrides, llm })
  // A hybrid run (`hybrid: { modelShare, profile }`) draws its model-backed sample here, as the CLI does.
  const config = await withAgentModels(await withModelSample(built.config))
  return launchRun(config, { db, threads, extensions: defaultExtensions() })
}
