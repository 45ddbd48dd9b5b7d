import type { Migration } from './migration.ts'

/**
 * Model serving that needs no tuning: per call, the endpoint's adaptive concurrency limit
 * when the answer came (its trajectory over a run, for `show` and the report), and the
 * prompt tokens the server served from its prefix cache (when it reports them), and the
 * answer's token log-probabilities (JSON [{token, logprob}], tasks that ask for them).
 */
export const adaptive: Migration = {
  version: 8,
  name: 'adaptive',
  sql: `
ALTER TABLE llm_calls ADD COLUMN concurrency_limit REAL;
ALTER TABLE llm_calls ADD COLUMN cached_tokens INTEGER;
ALTER TABLE llm_calls ADD COLUMN logprobs TEXT;
`,
}
