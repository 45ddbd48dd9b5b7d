import { z } from 'zod'

export const PROFILE_FORMAT = 'usersim.surrogate-profile.v1'

/** Agreement between a surrogate and a model on held-out calls of one task. */
export const agreementFiguresSchema = z.object({
  calls: z.number().int().nonnegative(),
  clickF1: z.number().nullable(),
  ratingRmse: z.number().nullable(),
  ratingPairs: z.number().int().nonnegative(),
  leaveAgreement: z.number().nullable(),
  satisfactionW1: z.number().nullable(),
  satisfactionKs: z.number().nullable(),
})
export type AgreementFigures = z.infer<typeof agreementFiguresSchema>

/**
 * A distilled surrogate profile (`usersim distill`): per task, the surrogate's
 * parameters fitted to a model's recorded answers, with the fit figures on held-out
 * agents. Plain data: it travels in the run configuration to every thread and worker.
 */
export const surrogateProfileSchema = z.object({
  format: z.literal(PROFILE_FORMAT),
  /** sha256 of the source run and every task's version and parameters. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  sourceRun: z.string().min(1),
  createdAt: z.string(),
  holdout: z.object({ share: z.number().min(0).max(1), seed: z.number().int(), agents: z.number().int().nonnegative() }),
  tasks: z.record(
    z.string(),
    z.object({
      version: z.number().int(),
      params: z.unknown(),
      fit: z.object({ trainCalls: z.number().int(), heldOutCalls: z.number().int(), before: agreementFiguresSchema, after: agreementFiguresSchema }),
    }),
  ),
})
export type SurrogateProfile = z.infer<typeof surrogateProfileSchema>

/** Money per 1M tokens of one model, for the cost figures (`--price model=in/out`). */
export const priceSchema = z.object({ input: z.number().nonnegative(), output: z.number().nonnegative() })

/**
 * How a run splits its agents between the model and the (distilled) surrogate.
 * `modelAgents` is the seeded, stratified sample drawn once where the run starts, so
 * every shard, thread, worker and resume sees the same split.
 */
export const hybridSettingsSchema = z.object({
  profile: surrogateProfileSchema.optional(),
  /** Share of agents on the model (with --llm openai); absent: all of them. */
  modelShare: z.number().min(0).max(1).optional(),
  modelAgents: z.array(z.number().int().nonnegative()).optional(),
  /** Persona clusters the sample was stratified over. */
  strata: z.number().int().nonnegative().optional(),
  prices: z.record(z.string(), priceSchema).default({}),
  /** Refit the profile between rounds when the shadow audit leaves the band (continuous distillation). */
  redistill: z.boolean().default(false),
})
export type HybridSettings = z.infer<typeof hybridSettingsSchema>
