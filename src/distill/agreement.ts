import { ksDistance, rms, wasserstein1, type CallAgreement } from '../core/index.ts'
import type { AgreementFigures } from '../config/index.ts'

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null)
const round = (x: number | null) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 1e4) / 1e4)

/** The agreement figures of a set of calls (each figure null when no call had it). */
export function agreementFigures(calls: readonly CallAgreement[]): AgreementFigures {
  const f1 = calls.flatMap((c) => (c.clickF1 === undefined ? [] : [c.clickF1]))
  const errs = calls.flatMap((c) => c.ratingErrors ?? [])
  const leave = calls.flatMap((c) => (c.leaveAgree === undefined ? [] : [c.leaveAgree]))
  const sm = calls.flatMap((c) => (c.satisfaction ? [c.satisfaction[0]] : []))
  const ss = calls.flatMap((c) => (c.satisfaction ? [c.satisfaction[1]] : []))
  return {
    calls: calls.length,
    clickF1: round(mean(f1)),
    ratingRmse: errs.length ? round(rms(errs)) : null,
    ratingPairs: errs.length,
    leaveAgreement: round(mean(leave)),
    satisfactionW1: sm.length ? round(wasserstein1(sm, ss)) : null,
    satisfactionKs: sm.length ? round(ksDistance(sm, ss)) : null,
  }
}
