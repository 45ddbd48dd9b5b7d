import { z } from 'zod'
import { personaBrief } from './persona-text.ts'

/** decide-continue's input and output (apart from the task, so its profile can use them without a cycle). */
export const decideContinueInput = z.object({
  persona: personaBrief,
  satisfaction: z.number().min(0).max(1),
  fatigue: z.number().min(0),
  visits: z.number().int().nonnegative(),
  clicked: z.number().int().nonnegative(),
  /** Simulator-only: leaving pressure (fatigue + disappointment) and the patience it is compared with. */
  hidden: z.object({ pressure: z.number(), patience: z.number() }),
})
export type DecideContinueInput = z.infer<typeof decideContinueInput>

export const decideContinueOutput = z.object({
  decision: z.enum(['continue', 'leave']),
  reason: z.string().max(300),
})
export type DecideContinueOutput = z.infer<typeof decideContinueOutput>
