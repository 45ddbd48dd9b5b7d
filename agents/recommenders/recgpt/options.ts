import { z } from 'zod'
import { SimError } from '../../../src/core/index.ts'

const flag = z.preprocess((v) => (v === 1 || v === '1' || v === 'true' ? true : v === 0 || v === '0' || v === 'false' ? false : v), z.boolean())

/** `--set policy.KEY=VALUE` options of the recgpt policy. */
export const recgptOptions = z
  .object({
    /** Weight of the tag (semantic) score against the collaborative one in retrieval. */
    semanticWeight: z.coerce.number().min(0).max(1).default(0.7),
    /** Show an explanation with every item. */
    explain: flag.default(true),
    /** filter: the judge rejects interests, tags and explanations that fail it; audit: it only records verdicts; off. */
    judge: z.enum(['filter', 'audit', 'off']).default('filter'),
    /** The surrogates' rate of unsupported interests and false explanation claims. */
    hallucination: z.coerce.number().min(0).max(1).default(0.15),
    /** Rewrites of an explanation the judge rejected, before a plain factual one is shown. */
    judgeAttempts: z.coerce.number().int().min(0).max(5).default(2),
    /** Most-popular items added to the tag-matched candidates. */
    poolSize: z.coerce.number().int().min(10).max(100_000).default(200),
  })
  .strict()
export type RecgptOptions = z.infer<typeof recgptOptions>

export function parseRecgptOptions(raw: Record<string, unknown>): RecgptOptions {
  const r = recgptOptions.safeParse(raw)
  if (r.success) return r.data
  const issue = r.error.issues[0]!
  const field = issue.path.join('.') || (issue as { keys?: string[] }).keys?.join(', ') || '?'
  throw new SimError('USAGE', `policy recgpt: option ${field}: ${issue.message} (known: ${Object.keys(recgptOptions.shape).join(', ')})`)
}
