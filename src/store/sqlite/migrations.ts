import { core } from './migrations/001-core.ts'
import { llm } from './migrations/002-llm.ts'
import { checkpoints } from './migrations/003-checkpoints.ts'
import { datasets } from './migrations/004-datasets.ts'
import { fidelity } from './migrations/005-fidelity.ts'
import { distill } from './migrations/012-distill.ts'
import type { Migration } from './migrations/migration.ts'

export type { Migration }

/** Every migration, in version order. */
export const MIGRATIONS: Migration[] = [core, llm, checkpoints, datasets, fidelity, distill]

export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version
