import { z } from 'zod'
import { SimError } from '../core/index.ts'

/** A metric's allowed band; a round outside it trips the guard. */
const band = z.tuple([z.number(), z.number()]).refine(([lo, hi]) => lo <= hi, { message: 'a band is [low, high] with low <= high' })

/**
 * A run's recovery settings (`RunConfig.recovery`, parsed once with the run's configuration): checkpoint cadence, critics and
 * run-level guards. Stored with the run, so a resumed run checkpoints, corrects and
 * guards exactly like the original.
 */
export const recoverySchema = z
  .object({
    /** Checkpoint after every K-th round (the last round is always checkpointed). */
    checkpointEvery: z.number().int().positive().default(1),
    /** Checkpoints kept per run, newest first; 0 keeps all (branch anywhere). */
    keepCheckpoints: z.number().int().nonnegative().default(5),
    /**
     * Consistency critics on every action: `auto` turns them on for model backends and
     * off for the surrogate (a calibrated model whose draws they would only perturb).
     */
    critics: z.enum(['auto', 'on', 'off']).default('auto'),
    /** Regenerations of a flagged action before the last answer is kept (and recorded unfixed). */
    maxReflections: z.number().int().min(0).max(5).default(2),
    /** Share of actions (seeded sample) also sent to the LLM judge; 0 = no judge. */
    judgeShare: z.number().min(0).max(1).default(0),
    /**
     * The run fails once more than this share of its agent-steps failed (an agent's step
     * threw). Small by default: a step that always throws is a bug, not noise; 1 never fails.
     */
    maxAgentErrors: z.number().min(0).max(1).default(0.01),
    guards: z
      .object({
        /** Max share of task calls that fell back (model failed, surrogate answered). */
        maxFallbackShare: z.number().min(0).max(1).optional(),
        /** Max share of task calls whose output needed a schema repair. */
        maxRepairShare: z.number().min(0).max(1).optional(),
        /** Max share of task calls a critic flagged. */
        maxFlaggedShare: z.number().min(0).max(1).optional(),
        /** Max share of present agents whose step failed. */
        maxErrorShare: z.number().min(0).max(1).optional(),
        /** Round metrics (e.g. ctr, satisfaction, or a scenario metric) that must stay in a band. */
        metrics: z.record(z.string(), band).default({}),
        /**
         * What the round is replayed with: `surrogate`, or LLM setting overrides
         * (e.g. { temperature: 0 } or { model: 'other' }) merged into the run's settings.
         */
        fallback: z.union([z.literal('surrogate'), z.record(z.string(), z.unknown())]).default('surrogate'),
      })
      .strict()
      .default({ metrics: {}, fallback: 'surrogate' }),
  })
  .strict()
export type RecoverySettings = z.infer<typeof recoverySchema>

/** Do any guards apply (so the orchestrator needs a fallback executor). */
export function hasGuards(s: RecoverySettings): boolean {
  const g = s.guards
  return (
    g.maxFallbackShare !== undefined ||
    g.maxRepairShare !== undefined ||
    g.maxFlaggedShare !== undefined ||
    g.maxErrorShare !== undefined ||
    Object.keys(g.metrics).length > 0
  )
}

/**
 * Parses recovery settings given as plain data (a flag set, a config file); a bad field is
 * a USAGE error naming it. A run's configuration does this once, with the rest of it.
 */
export function recoveryOf(raw: { recovery?: unknown }): RecoverySettings {
  const r = recoverySchema.safeParse(raw.recovery ?? {})
  if (!r.success) throw new SimError('USAGE', `invalid recovery settings:\n${z.prettifyError(r.error)}`)
  return r.data
}
