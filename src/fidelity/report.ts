import type { TaskCallRecord } from '../core/index.ts'
import type { Calibration } from './calibrate.ts'
import type { FidelityOptions, FidelityResult } from './protocol.ts'

/** Figures the papers report (SimUSER's comparison table; SimUSER project page). */
export const PUBLISHED = {
  agent4rec: { accuracy: 0.691, rmse: 0.76, source: 'SimUSER (ACL 2025) table, Agent4Rec on MovieLens' },
  simuser: { accuracy: 0.791, rmse: 0.5, source: 'SimUSER (ACL 2025) project page' },
} as const

export interface LlmUsage {
  calls: number
  outcomes: Record<string, number>
  promptTokens: number
  completionTokens: number
}

export function llmUsage(records: readonly TaskCallRecord[]): LlmUsage {
  const u: LlmUsage = { calls: 0, outcomes: {}, promptTokens: 0, completionTokens: 0 }
  for (const r of records) {
    u.calls++
    u.outcomes[r.outcome] = (u.outcomes[r.outcome] ?? 0) + 1
    u.promptTokens += r.promptTokens ?? 0
    u.completionTokens += r.completionTokens ?? 0
  }
  return u
}

/** The one JSON object `usersim eval fidelity --json` prints (ratios in the order asked, 1:1 first by default). */
export function fidelityJson(
  cal: Calibration,
  result: FidelityResult,
  o: FidelityOptions & { backend: string; trainFraction: number },
  extra: { durationMs: number; llm?: LlmUsage },
) {
  const { data } = cal
  return {
    dataset: {
      format: data.format,
      source: data.source,
      users: data.users.length,
      items: data.items.length,
      ratings: data.ratings.length,
      scale: data.scale,
    },
    protocol: {
      split: `per-user time order, oldest ${Math.round(o.trainFraction * 100)}% calibrate`,
      likedThreshold: o.likedThreshold,
      candidatesPerUser: o.candidates,
      negatives: o.negatives,
      ratios: result.ratios.map((r) => r.ratio),
      usersEvaluated: result.usersEvaluated,
      seed: o.seed,
      backend: o.backend,
    },
    ratios: result.ratios,
    rating: result.rating,
    byActivity: result.byActivity,
    calibration: { watch: cal.watch },
    published: PUBLISHED,
    ...(extra.llm ? { llm: extra.llm } : {}),
    durationMs: Math.round(extra.durationMs),
  }
}
