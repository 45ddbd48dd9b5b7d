import type { Migration } from './migration.ts'

/**
 * A run's lease: which process drives it (a readable owner, its host and pid) and when
 * that process last showed it is alive (ms since the epoch). A `running` run whose lease
 * has lapsed is shown as interrupted, and `resume` refuses a run whose lease is fresh.
 */
export const lifecycle: Migration = {
  version: 6,
  name: 'lifecycle',
  sql: `
ALTER TABLE runs ADD COLUMN lease_owner TEXT;
ALTER TABLE runs ADD COLUMN lease_host TEXT;
ALTER TABLE runs ADD COLUMN lease_pid INTEGER;
ALTER TABLE runs ADD COLUMN lease_at INTEGER;
`,
}
