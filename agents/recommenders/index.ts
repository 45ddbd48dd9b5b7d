import type { PolicyFactory } from '../../src/core/index.ts'
import { bprPolicy } from './bpr.ts'
import { cooccurrencePolicy } from './cooccurrence.ts'
import { oraclePolicy } from './oracle.ts'
import { popularityPolicy } from './popularity.ts'
import { randomPolicy } from './random.ts'
import { socialPolicy, type SocialPolicyOptions } from './social.ts'

export { bprPolicy, cooccurrencePolicy, oraclePolicy, popularityPolicy, randomPolicy, socialPolicy }
export { rankByScore, takeRanked } from './popularity.ts'

/** The built-in policies by CLI name; options come from `--set policy.KEY=VALUE`. */
export const BUILTIN_POLICIES: Record<string, PolicyFactory> = {
  random: () => randomPolicy(),
  popularity: (o) => popularityPolicy(o as { priorClicks?: number }),
  cooccurrence: (o) => cooccurrencePolicy(o as { neighbours?: number; userWindow?: number }),
  bpr: (o) => bprPolicy(o),
  oracle: () => oraclePolicy(),
  social: (o) => socialPolicy(o as SocialPolicyOptions),
}
