/**
 * One schema step. `PRAGMA user_version` holds the version a database is at.
 * Versions are reserved per feature (1 core, 2 llm, 3 checkpoints, 4 datasets,
 * 5 fidelity, 6 lifecycle, …) so parallel work never collides. Once a version has
 * shipped, never edit it: add a new migration with the next free number.
 */
export interface Migration {
  version: number
  name: string
  sql: string
}
