import { core } from './migrations/001-core.ts'
import { llm } from './migrations/002-llm.ts'
import { checkpoints } from './migrations/003-checkpoints.ts'
import { datasets } from './migrations/004-datasets.ts'
import { fidelity } from './migrations/005-fidelity.ts'
import { trajectories } from './migrations/011-trajectories.ts'
import type { Migration } from './migrations/migration.ts'

export type { Migration }

/** Every migration, in version order. */
// Versions are reserved per feature and need not be contiguous; keep the list sorted by version.
export const MIGRATIONS: Migration[] = [core, llm, checkpoints, datasets, fidelity, trajectories]

export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version
