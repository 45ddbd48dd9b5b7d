import type { PolicyFactory } from '../../src/core/index.ts'
import { bprPolicy } from './bpr.ts'
import { cooccurrencePolicy } from './cooccurrence.ts'
import { oraclePolicy } from './oracle.ts'
import { popularityPolicy } from './popularity.ts'
import { randomPolicy } from './random.ts'
import { bm25BprPolicy, bm25Policy, type Bm25BprOptions } from './search/index.ts'

export { bprPolicy, cooccurrencePolicy, oraclePolicy, popularityPolicy, randomPolicy, bm25Policy, bm25BprPolicy }
export { rankByScore, takeRanked } from './popularity.ts'

/** The built-in policies by CLI name; options come from `--set policy.KEY=VALUE`. */
export const BUILTIN_POLICIES: Record<string, PolicyFactory> = {
  random: () => randomPolicy(),
  popularity: (o) => popularityPolicy(o as { priorClicks?: number }),
  cooccurrence: (o) => cooccurrencePolicy(o as { neighbours?: number; userWindow?: number }),
  bpr: (o) => bprPolicy(o),
  oracle: () => oraclePolicy(),
  bm25: () => bm25Policy(),
  'bm25-bpr': (o) => bm25BprPolicy(o as Bm25BprOptions),
}
