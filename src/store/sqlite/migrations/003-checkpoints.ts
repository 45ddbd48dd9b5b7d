import type { Migration } from './migration.ts'

/** Checkpoints, corrections and interventions. Empty until the feature needs tables. */
export const checkpoints: Migration = {
  version: 3,
  name: 'checkpoints',
  sql: ``,
}
