import type { RunConfig } from '../config/index.ts'
import { llmSettingsSchema, SURROGATE, type LlmSettings } from '../llm/settings.ts'
import { SimError } from '../core/index.ts'

/** The LLM settings a tripped guard replays with: the surrogate, or the run's settings with overrides. */
export function fallbackSettings(config: RunConfig, llm: LlmSettings | undefined): LlmSettings {
  const f = config.recovery.guards.fallback
  if (f === 'surrogate') return SURROGATE
  const r = llmSettingsSchema.safeParse({ ...(llm ?? SURROGATE), ...f })
  if (!r.success) throw new SimError('USAGE', `the guards' fallback settings ${JSON.stringify(f)} do not make valid LLM settings: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  return r.data
}
