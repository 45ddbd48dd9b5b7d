import { z } from 'zod'
import { SimError } from '../core/index.ts'
import { llmSettingsSchema } from '../llm/settings.ts'
import { recoverySchema } from './recovery-settings.ts'
import { hybridSettingsSchema } from './hybrid-settings.ts'

/**
 * A run's full configuration, as stored with the run and shipped to every shard. Parsed
 * once where a run starts (CLI or library) and wherever it is read back (the store, a
 * job payload): from then on every field is typed, defaults filled.
 */
export const runConfigSchema = z.object({
  /** Built-in scenario name, or an absolute path to a scenario module. */
  scenario: z.string().min(1),
  agents: z.number().int().positive().max(10_000_000),
  rounds: z.number().int().positive().max(1_000_000),
  slate: z.number().int().positive().max(100),
  policy: z.string().min(1),
  seed: z.number().int().nonnegative().max(2 ** 31 - 1),
  catalogSize: z.number().int().positive().max(10_000_000),
  /** Scenario parameters (`--set key=value`). */
  params: z.record(z.string(), z.unknown()).default({}),
  /** Policy options (`--set policy.key=value`). */
  policyOptions: z.record(z.string(), z.unknown()).default({}),
  /**
   * What the policy learns from before round 0: 'none', 'log' (the scenario's history,
   * e.g. a data set's training split) or 'burn-in:R' (R seeded rounds of a popularity-biased
   * logging policy). Old runs without the field were cold.
   */
  warmStart: z
    .string()
    .regex(/^(none|log|burn-in(:[1-9]\d{0,2})?)$/, 'expected none, log, or burn-in[:rounds] (rounds 1-999)')
    .default('none'),
  /** Agents per round whose NDCG is measured against the oracle (a seeded sample). */
  ndcgSample: z.number().int().nonnegative().default(1000),
  /** Checkpoints, critics and guards. Stored with the run so a resume behaves the same. */
  recovery: recoverySchema.prefault({}),
  /**
   * The LLM backend settings (absent: the surrogate). Plain data without secrets: each
   * process reads OPENAI_API_KEY itself.
   */
  llm: llmSettingsSchema.optional(),
  /** A distilled surrogate profile and the model/surrogate split of a hybrid run (src/distill). */
  hybrid: hybridSettingsSchema.optional(),
})
export type RunConfig = z.output<typeof runConfigSchema>
/** What a caller may hand to `parseRunConfig`: defaults may be left out. */
export type RunConfigInput = z.input<typeof runConfigSchema>

/**
 * Parses a run configuration; a bad field is an error naming it and where the
 * configuration came from (`USAGE` for what a user gave, `DATA_INVALID` for what was read back).
 */
export function parseRunConfig(raw: unknown, where = 'run configuration', code: 'USAGE' | 'DATA_INVALID' = 'USAGE'): RunConfig {
  const r = runConfigSchema.safeParse(raw)
  if (!r.success) throw new SimError(code, `invalid ${where}:\n${z.prettifyError(r.error)}`)
  return r.data
}
