import type { Migration } from './migration.ts'

/**
 * The feedback funnel past the click and the search request of an event: items added to
 * the cart and ordered (comma-joined ids, subsets of `clicks`), the orders' value, and the
 * user's query with whether it reformulates the previous one (empty when the user browsed).
 */
export const funnelSearch: Migration = {
  version: 10,
  name: 'funnel-search',
  sql: `
ALTER TABLE events ADD COLUMN carts TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN orders TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN gmv REAL NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN query TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN reformulation INTEGER NOT NULL DEFAULT 0;
`,
}
