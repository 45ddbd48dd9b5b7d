import type { Migration } from './migration.ts'

/** Distilled surrogate profiles and the hybrid runs' shadow audit (issue 16). */
export const distill: Migration = {
  version: 12,
  name: 'distill',
  sql: `
-- A surrogate profile fitted to a run's model calls (usersim distill), keyed by its hash.
CREATE TABLE surrogate_profiles (
  hash TEXT PRIMARY KEY,
  source_run TEXT NOT NULL,
  created_at TEXT NOT NULL,
  profile TEXT NOT NULL
) WITHOUT ROWID;
-- Per shard and task of a hybrid run: calls answered by the model and by the surrogate,
-- and the shadow audit's sums (the surrogate's answer to the model-backed agents' inputs).
CREATE TABLE hybrid_audit (
  run_key INTEGER NOT NULL,
  round INTEGER NOT NULL,
  shard INTEGER NOT NULL,
  task TEXT NOT NULL,
  model_calls INTEGER NOT NULL,
  surrogate_calls INTEGER NOT NULL,
  audit TEXT NOT NULL,
  PRIMARY KEY (run_key, round, shard, task)
);
-- Continuous distillation: the profile refitted after a round whose audit left the band,
-- with the agreement before and after on the run's held-out model calls so far.
CREATE TABLE profile_refits (
  run_key INTEGER NOT NULL,
  round INTEGER NOT NULL,
  old_hash TEXT,
  new_hash TEXT NOT NULL,
  reason TEXT NOT NULL,
  figures TEXT NOT NULL,
  PRIMARY KEY (run_key, round)
);
`,
}
