import { z } from 'zod'

/** A run's full configuration, as stored with the run and shipped to every shard. */
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
  /** Agents per round whose NDCG is measured against the oracle (a seeded sample). */
  ndcgSample: z.number().int().nonnegative().default(1000),
  /**
   * Checkpoints, critics and guards (src/checkpoint/settings.ts validates and fills it;
   * absent: the defaults). Stored with the run so a resume behaves the same.
   */
  recovery: z.record(z.string(), z.unknown()).optional(),
  /**
   * The LLM backend settings (src/llm/settings.ts validates them; absent: the
   * surrogate). Plain data without secrets: each process reads OPENAI_API_KEY itself.
   */
  llm: z.record(z.string(), z.unknown()).optional(),
})
export type RunConfig = z.infer<typeof runConfigSchema>
