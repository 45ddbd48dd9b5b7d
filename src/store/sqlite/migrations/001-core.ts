import type { Migration } from './migration.ts'

/** Runs, agents, rounds, events, utterances, shard commits, agent errors, task counts. */
export const core: Migration = {
  version: 1,
  name: 'core',
  sql: `
CREATE TABLE runs (
  key INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  scenario TEXT NOT NULL,
  config TEXT NOT NULL,
  seed INTEGER NOT NULL,
  versions TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  parent_run TEXT,
  parent_round INTEGER,
  error TEXT,
  summary TEXT
);
CREATE TABLE agents (
  run_id TEXT NOT NULL,
  agent_id INTEGER NOT NULL,
  persona TEXT NOT NULL,
  PRIMARY KEY (run_id, agent_id)
) WITHOUT ROWID;
CREATE TABLE rounds (
  run_id TEXT NOT NULL,
  round INTEGER NOT NULL,
  status TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  duration_ms REAL,
  metrics TEXT,
  PRIMARY KEY (run_id, round)
) WITHOUT ROWID;
-- One compact row per agent and round: the slate and the actions (item ids comma-joined).
-- Keyed by the run's integer key (runs.key): the largest table stays small and fast to fill.
CREATE TABLE events (
  run_key INTEGER NOT NULL,
  round INTEGER NOT NULL,
  agent_id INTEGER NOT NULL,
  present INTEGER NOT NULL,
  returned INTEGER NOT NULL,
  slate TEXT NOT NULL,
  clicks TEXT NOT NULL,
  ratings TEXT NOT NULL,
  satisfaction REAL NOT NULL,
  left_session INTEGER NOT NULL,
  PRIMARY KEY (run_key, round, agent_id)
) WITHOUT ROWID;
CREATE TABLE utterances (
  run_id TEXT NOT NULL,
  round INTEGER NOT NULL,
  agent_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX utterances_by_run ON utterances (run_id, round, agent_id);
-- Idempotent commits: a shard's result counts once, however often it is delivered.
CREATE TABLE shard_commits (
  run_id TEXT NOT NULL,
  round INTEGER NOT NULL,
  shard INTEGER NOT NULL,
  start_agent INTEGER NOT NULL,
  end_agent INTEGER NOT NULL,
  committed_at TEXT NOT NULL,
  PRIMARY KEY (run_id, round, shard)
) WITHOUT ROWID;
CREATE TABLE agent_errors (
  run_id TEXT NOT NULL,
  round INTEGER NOT NULL,
  agent_id INTEGER NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX agent_errors_by_run ON agent_errors (run_id, round);
CREATE TABLE task_counts (
  run_id TEXT NOT NULL,
  round INTEGER NOT NULL,
  task TEXT NOT NULL,
  calls INTEGER NOT NULL,
  PRIMARY KEY (run_id, round, task)
) WITHOUT ROWID;
`,
}

