import type { Migration } from './migration.ts'

/**
 * Messages between agents (the social layer): one row per message a sender wrote in a
 * round, its recipients packed as little-endian int32 ids. A round-scoped table, so a
 * rewind deletes and a branch copies its rows like the events'.
 */
export const social: Migration = {
  version: 9,
  name: 'social',
  sql: `
CREATE TABLE messages (
  run_key INTEGER NOT NULL,
  round INTEGER NOT NULL,
  sender INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  item INTEGER,
  origin INTEGER,
  depth INTEGER,
  recipients INTEGER NOT NULL,
  to_ids BLOB NOT NULL,
  text TEXT,
  PRIMARY KEY (run_key, round, sender, seq)
) WITHOUT ROWID;
CREATE INDEX messages_by_item ON messages (run_key, item, round) WHERE item IS NOT NULL;
`,
}
