import type { Migration } from './migration.ts'

/**
 * Checkpoints, corrections, interventions and interviews (issue: checkpoints, resume,
 * rollback, error correction). See docs/recovery.md.
 */
export const checkpoints: Migration = {
  version: 3,
  name: 'checkpoints',
  sql: `
-- One row per checkpoint: everything but the agent states, which sit in checkpoint_states.
-- A checkpoint is written in one transaction with its states and the ledger row below,
-- so a crash while writing leaves the previous checkpoint as the last complete one.
CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  round INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  format INTEGER NOT NULL,
  parts INTEGER NOT NULL,
  agents INTEGER NOT NULL,
  policy BLOB NOT NULL,
  exposure BLOB NOT NULL,
  metrics BLOB NOT NULL,
  config TEXT NOT NULL,
  extra TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  checksum TEXT NOT NULL,
  UNIQUE (run_id, round)
);
CREATE TABLE checkpoint_states (
  checkpoint_id INTEGER NOT NULL,
  part INTEGER NOT NULL,
  start_agent INTEGER NOT NULL,
  end_agent INTEGER NOT NULL,
  states TEXT,
  PRIMARY KEY (checkpoint_id, part)
);
-- What a run expects to find: a removed or damaged checkpoint is detected, never skipped.
CREATE TABLE checkpoint_ledger (
  run_id TEXT PRIMARY KEY,
  last_round INTEGER NOT NULL,
  written INTEGER NOT NULL
);
-- Every corrected (or flagged) action: output repairs, critic flags with reflection, run guards.
CREATE TABLE corrections (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  round INTEGER NOT NULL,
  agent_id INTEGER NOT NULL,
  task TEXT NOT NULL,
  layer TEXT NOT NULL,
  kind TEXT NOT NULL,
  problem TEXT NOT NULL,
  critique TEXT NOT NULL,
  input TEXT,
  prompt TEXT,
  before TEXT,
  after TEXT,
  attempts INTEGER NOT NULL,
  fixed INTEGER NOT NULL
);
CREATE INDEX corrections_by_run ON corrections (run_id, round);
-- Run-level guard trips: the round rolled back and replayed with a fallback setting.
CREATE TABLE interventions (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  round INTEGER NOT NULL,
  guard TEXT NOT NULL,
  detail TEXT NOT NULL,
  action TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX interventions_by_run ON interventions (run_id, round);
-- Questions put to one simulated user (GenSim's interview): recorded, never part of the run.
CREATE TABLE interviews (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  round INTEGER NOT NULL,
  agent_id INTEGER NOT NULL,
  question TEXT NOT NULL,
  answer TEXT NOT NULL,
  backend TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`,
}
