import type { Migration } from './migration.ts'

/**
 * Dataset traces (seed scenarios): the input and output of every call of a dataset task
 * (parser, planner, CRS turn, user turn), on the surrogate as on a model. Distillation
 * and preference exports read them; `seq` orders an agent's calls within a round.
 */
export const datasets: Migration = {
  version: 4,
  name: 'datasets',
  sql: `
CREATE TABLE task_traces (
  run_key INTEGER NOT NULL,
  round INTEGER NOT NULL,
  agent_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  task TEXT NOT NULL,
  outcome TEXT NOT NULL,
  model TEXT,
  input TEXT NOT NULL,
  output TEXT NOT NULL
);
-- A rowid table: rows are kilobytes of JSON, which a WITHOUT ROWID table stores poorly.
CREATE UNIQUE INDEX task_traces_key ON task_traces (run_key, round, agent_id, seq);
CREATE INDEX task_traces_by_task ON task_traces (run_key, task, agent_id, round);
`,
}
