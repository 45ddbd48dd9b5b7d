import type { Migration } from './migration.ts'

/** LLM call log and response cache (issue: LLM backends). */
export const llm: Migration = {
  version: 2,
  name: 'llm',
  sql: `
-- One row per task call that went to the LLM layer (written with its shard, so exactly once).
-- prompt/input/output are kept per --log-prompts (NULL when not kept).
CREATE TABLE llm_calls (
  run_key INTEGER NOT NULL,
  round INTEGER NOT NULL,
  agent_id INTEGER NOT NULL,
  task TEXT NOT NULL,
  call INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  model TEXT,
  endpoint TEXT,
  prompt_tokens INTEGER,
  completion_tokens INTEGER,
  latency_ms REAL,
  attempts INTEGER,
  repairs INTEGER,
  error TEXT,
  prompt TEXT,
  input TEXT,
  output TEXT
);
CREATE INDEX llm_calls_by_run ON llm_calls (run_key, task);
-- Deterministic answers (temperature 0 or a fixed seed), keyed by a hash of
-- (task, version, model, messages, schema, sampling parameters, seed, output mode).
CREATE TABLE llm_cache (
  key TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  task TEXT NOT NULL,
  output TEXT NOT NULL,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
`,
}
