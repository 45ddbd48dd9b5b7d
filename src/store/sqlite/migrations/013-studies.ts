import type { Migration } from './migration.ts'

/** Studies over several runs: `usersim compare` A/B tests and `usersim eval ranking` (issue 14). */
export const studies: Migration = {
  version: 13,
  name: 'studies',
  sql: `
-- One study: its kind, when it ended, and its whole result as the command's --json prints it.
CREATE TABLE studies (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('compare', 'ranking')),
  created_at TEXT NOT NULL,
  result TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX studies_created ON studies (created_at);
-- The runs a study made, in the study's order; a run may be looked up to find its study.
CREATE TABLE study_runs (
  study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  run_id TEXT NOT NULL,
  PRIMARY KEY (study_id, position)
) WITHOUT ROWID;
CREATE INDEX study_runs_run ON study_runs (run_id);
`,
}
