import { z } from 'zod'

/**
 * What the report reads of a stored study: the fields of `usersim compare --json` and
 * `usersim eval ranking --json` that it draws. Read at the database boundary, so a result
 * written by another version that lacks a field gives a note, not a broken page.
 */

const num = z.number()
export const estimateSchema = z.object({ value: num, lo: num, hi: num })
export type StudyEstimate = z.infer<typeof estimateSchema>

const pairedDiffSchema = estimateSchema.extend({ p: num, verdict: z.enum(['higher', 'lower', 'cannot be told apart']) })

export const compareResultSchema = z.object({
  scenario: z.string(),
  seeds: z.array(num),
  units: num,
  test: z.string(),
  policies: z.array(z.object({ label: z.string(), runs: z.array(z.string()), metrics: z.record(z.string(), estimateSchema) })).min(1),
  differences: z.array(z.object({ label: z.string(), baseline: z.string(), metrics: z.record(z.string(), pairedDiffSchema) })),
  durationMs: num.optional(),
})
export type CompareResult = z.infer<typeof compareResultSchema>

/**
 * One quantity's distribution, real against simulated under one policy (eval ranking's
 * `distributions`, one entry per quantity × policy). Shares per bin; `real` is null when
 * the data lacks the quantity; `js` is the Jensen–Shannon divergence in bits.
 */
export const distributionFitSchema = z.object({
  quantity: z.enum(['rating', 'itemsPerSession', 'clicksPerSlate']),
  label: z.string(),
  bins: z.array(z.string()),
  real: z.array(num).nullable(),
  simulated: z.array(num),
  policy: z.string(),
  js: num.nullable(),
  note: z.string().optional(),
})
export type DistributionFit = z.infer<typeof distributionFitSchema>

export const rankingResultSchema = z.object({
  dataset: z.object({ source: z.string(), users: num, items: num, ratings: num }),
  protocol: z.object({ split: z.string(), usersEvaluated: num, agents: num, k: num, rounds: num, seed: num, primary: z.string().optional() }),
  policies: z
    .array(
      z.object({
        label: z.string(),
        offline: z.object({ recall: estimateSchema, ndcg: estimateSchema, hit: estimateSchema }),
        simulated: z.object({ ctr: estimateSchema, satisfaction: estimateSchema, heldOutHit: estimateSchema, ndcg: num, runId: z.string() }),
      }),
    )
    .min(1),
  agreement: z.array(z.object({ offline: z.string(), simulated: z.string(), spearman: estimateSchema, kendall: estimateSchema })),
  vsPopularity: z.array(z.object({ label: z.string(), offlineNdcg: estimateSchema, simulatedCtr: estimateSchema, offlineSeparated: z.boolean(), agrees: z.boolean() })),
  /** The real data's agreement with itself (split halves of the users; offline metrics against each other); absent before it was added. */
  reliability: z
    .object({
      splitHalf: z.array(z.object({ metric: z.string(), spearman: estimateSchema, corrected: num })),
      offlineMetrics: z.array(z.object({ a: z.string(), b: z.string(), spearman: estimateSchema })),
    })
    .optional(),
  /** Absent from results of versions before it; checked entry by entry (see study-views.ts). */
  distributions: z.array(z.unknown()).optional(),
  durationMs: num.optional(),
})
export type RankingResult = z.infer<typeof rankingResultSchema>
