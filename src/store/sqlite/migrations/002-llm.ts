import type { Migration } from './migration.ts'

/** LLM call log and response cache (issue: LLM backends). Empty until the feature needs tables. */
export const llm: Migration = {
  version: 2,
  name: 'llm',
  sql: ``,
}
