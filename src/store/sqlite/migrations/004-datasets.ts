import type { Migration } from './migration.ts'

/** Dataset-specific tables (seed scenarios). Empty until the feature needs tables. */
export const datasets: Migration = {
  version: 4,
  name: 'datasets',
  sql: ``,
}
