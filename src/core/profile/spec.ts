import type { z } from 'zod'
import type { Rng } from '../rng.ts'

/**
 * What one held-out call contributes to the agreement figures between a model's answer
 * and a surrogate's answer to the same input. Each task fills the figures it has.
 */
export interface CallAgreement {
  /** F1 of the clicked sets of one slate (1 when both clicked nothing). */
  clickF1?: number
  /** Rating differences on items both clicked. */
  ratingErrors?: number[]
  /** 1 when both made the same leave/stay decision, else 0. */
  leaveAgree?: number
  /** Satisfaction reported by the model and by the surrogate. */
  satisfaction?: [model: number, surrogate: number]
}

/** One recorded call: the task's input and the model's answer. */
export interface DistillSample<I, O> {
  input: I
  output: O
}

/**
 * How a task's surrogate becomes data: its parameters (a zod schema and the defaults
 * that reproduce the hand-written surrogate), the surrogate as a function of them, a
 * fit to a model's recorded answers, and the per-call agreement the fit is judged by.
 * Everything is pure: the surrogate draws only from the Rng it is given.
 */
export interface DistillSpec<I, O, P> {
  params: z.ZodType<P>
  defaults: P
  surrogate(input: I, rng: Rng, params: P): O
  fit(samples: readonly DistillSample<I, O>[], start: P): P
  agreement(input: I, model: O, surrogate: O): CallAgreement
}
