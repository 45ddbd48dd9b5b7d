export { RunStore, type RunRecord, type RoundRecord, type RunStatus } from './sqlite/run-store.ts'
export { openDatabase, type Db } from './sqlite/open-database.ts'
export { MIGRATIONS, SCHEMA_VERSION } from './sqlite/migrations.ts'
