import type { Migration } from './migration.ts'

/**
 * What each run's policy learned from before round 0 (issue 14: warm start). The log itself
 * is rebuilt from the run's configuration and data (it is a pure function of them); the row
 * records what it was and a digest, so `show`, the report and a check after a resume agree.
 */
export const warmStart: Migration = {
  version: 7,
  name: 'warm-start',
  sql: `
CREATE TABLE warm_starts (
  run_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  source TEXT NOT NULL,
  batches INTEGER NOT NULL,
  users INTEGER NOT NULL,
  interactions INTEGER NOT NULL,
  clicks INTEGER NOT NULL,
  digest TEXT NOT NULL
);
`,
}
