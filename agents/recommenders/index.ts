import { z } from 'zod'
import { withOptions, type PolicyFactory } from '../../src/core/index.ts'
import { bprPolicy } from './bpr.ts'
import { cooccurrencePolicy } from './cooccurrence.ts'
import { oraclePolicy } from './oracle.ts'
import { popularityPolicy } from './popularity.ts'
import { randomPolicy } from './random.ts'
import { recgptPolicy } from './recgpt/policy.ts'
import { recgptOptions } from './recgpt/options.ts'
import { bm25BprPolicy, bm25Policy } from './search/index.ts'
import { socialPolicy } from './social.ts'

export { bprPolicy, cooccurrencePolicy, oraclePolicy, popularityPolicy, randomPolicy, recgptPolicy, socialPolicy, bm25Policy, bm25BprPolicy }
export { rankByScore, takeRanked } from './popularity.ts'

/** The built-in policies by CLI name; options come from `--set policy.KEY=VALUE`. */
export const BUILTIN_POLICIES: Record<string, PolicyFactory> = {
  random: () => randomPolicy(),
  popularity: withOptions(
    z.object({
      /** Weight of the catalog's prior popularity, in clicks per agent. */
      priorClicks: z.number().min(0).max(1e6).optional(),
    }),
    (o) => popularityPolicy(o),
  ),
  cooccurrence: withOptions(
    z.object({
      /** Neighbours kept per item. */
      neighbours: z.number().int().min(1).max(1000).optional(),
      /** Recent clicks per user that count as co-occurring. */
      userWindow: z.number().int().min(1).max(1000).optional(),
    }),
    (o) => cooccurrencePolicy(o),
  ),
  bpr: withOptions(
    z.object({
      /** Latent factors per user and item (memory: (users + items) × factors × 4 bytes). */
      factors: z.number().int().min(1).max(512).optional(),
      learningRate: z.number().gt(0).max(1).optional(),
      regularization: z.number().min(0).max(10).optional(),
      /** SGD samples per round, as a multiple of the positives seen so far. */
      epochs: z.number().gt(0).max(1000).optional(),
      maxSamples: z.number().int().min(1).max(1e9).optional(),
    }),
    (o) => bprPolicy(o),
  ),
  oracle: () => oraclePolicy(),
  recgpt: withOptions(recgptOptions, (o) => recgptPolicy(o)),
  social: withOptions(
    z.object({
      /** Most slate positions given to items friends engaged with (default: half the slate). */
      friendSlots: z.number().int().min(0).max(1000).optional(),
      /** Rounds of clicks remembered per user. */
      window: z.number().int().min(1).max(100).optional(),
      /** Pseudo-count weight of the catalog's prior popularity. */
      priorClicks: z.number().min(0).max(1e6).optional(),
    }),
    (o) => socialPolicy(o),
  ),
  bm25: () => bm25Policy(),
  'bm25-bpr': withOptions(
    z.object({
      /** Latent factors per user and item (memory: (users + items) × factors × 4 bytes). */
      factors: z.number().int().min(1).max(512).optional(),
      learningRate: z.number().gt(0).max(1).optional(),
      regularization: z.number().min(0).max(10).optional(),
      /** SGD samples per round, as a multiple of the positives seen so far. */
      epochs: z.number().gt(0).max(1000).optional(),
      maxSamples: z.number().int().min(1).max(1e9).optional(),
      /** Candidates re-ranked per query: the best BM25 matches. */
      candidates: z.number().int().min(1).max(10_000).optional(),
      /** Weight of the BPR score beside BM25. */
      personal: z.number().min(0).max(100).optional(),
      /** Weight of the query's preference anchors. */
      anchors: z.number().min(0).max(100).optional(),
    }),
    (o) => bm25BprPolicy(o),
  ),
}
