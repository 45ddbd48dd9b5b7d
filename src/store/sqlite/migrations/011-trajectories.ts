import type { Migration } from './migration.ts'

/**
 * Trajectory data (RetroAct): the behaviour policy's token log-probabilities of a traced
 * call's answer, when the run asked the model server for them (`--logprobs`).
 */
export const trajectories: Migration = {
  version: 11,
  name: 'trajectories',
  sql: `
ALTER TABLE task_traces ADD COLUMN logprobs TEXT;
`,
}
