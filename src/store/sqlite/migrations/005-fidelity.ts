import type { Migration } from './migration.ts'

/** Fidelity evaluation results. Empty until the feature needs tables. */
export const fidelity: Migration = {
  version: 5,
  name: 'fidelity',
  sql: ``,
}
