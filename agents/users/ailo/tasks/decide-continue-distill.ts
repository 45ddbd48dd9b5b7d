import { z } from 'zod'
import { logistic, rngFor, type DistillSpec, type Rng } from '../../../../src/core/index.ts'
import type { DecideContinueInput, DecideContinueOutput } from './decide-continue-schema.ts'

/**
 * decide-continue's surrogate with its constants as data: the chance to leave is a
 * logistic function of the leaving pressure over patience (hidden) and of what the
 * prompt shows (satisfaction, fatigue, items opened, visits). The defaults reproduce the
 * hand-written surrogate.
 */
export const decideContinueParams = z.object({
  /** Logit weights of [1, pressure − patience, satisfaction, fatigue, items opened, visits / 10]. */
  leave: z.array(z.number()).length(6),
})
export type DecideContinueParams = z.infer<typeof decideContinueParams>

export const DECIDE_CONTINUE_DEFAULTS: DecideContinueParams = { leave: [0, 1 / 0.06, 0, 0, 0, 0] }

const row = (i: DecideContinueInput) => [1, i.hidden.pressure - i.hidden.patience, i.satisfaction, i.fatigue, i.clicked, i.visits / 10]

export function profiledDecide(i: DecideContinueInput, rng: Rng, p: DecideContinueParams): DecideContinueOutput {
  const x = row(i)
  let z = 0
  for (let k = 0; k < x.length; k++) z += p.leave[k]! * x[k]!
  const leave = rng.next() < 1 / (1 + Math.exp(-z))
  return {
    decision: leave ? 'leave' : 'continue',
    reason: leave ? (i.satisfaction < 0.45 ? 'Not finding what I want.' : 'That is enough for now.') : 'Worth another look.',
  }
}

export const decideContinueDistill: DistillSpec<DecideContinueInput, DecideContinueOutput, DecideContinueParams> = {
  params: decideContinueParams,
  defaults: DECIDE_CONTINUE_DEFAULTS,
  surrogate: profiledDecide,
  fit(samples, start) {
    if (samples.length < 8) return start
    const leave = logistic(samples.map((s) => row(s.input)), samples.map((s) => (s.output.decision === 'leave' ? 1 : 0)), start.leave, 1e-5, 2000)
    // Sharpen toward a model that decides the same way every time (see evaluate-slate's fit).
    let best = { k: 1, agree: -1 }
    for (const k of [1, 1.5, 2, 3, 4, 6, 8]) {
      const p = { leave: leave.map((w) => w * k) }
      let agree = 0
      samples.forEach((s, i) => (agree += profiledDecide(s.input, rngFor(i, 'sharpen'), p).decision === s.output.decision ? 1 : 0))
      if (agree > best.agree) best = { k, agree }
    }
    return { leave: leave.map((w) => w * best.k) }
  },
  agreement: (_i, model, surrogate) => ({ leaveAgree: model.decision === surrogate.decision ? 1 : 0 }),
}
