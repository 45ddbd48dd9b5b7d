import { core } from './migrations/001-core.ts'
import { llm } from './migrations/002-llm.ts'
import { checkpoints } from './migrations/003-checkpoints.ts'
import { datasets } from './migrations/004-datasets.ts'
import { fidelity } from './migrations/005-fidelity.ts'
import { lifecycle } from './migrations/006-lifecycle.ts'
import { warmStart } from './migrations/007-warm-start.ts'
import { adaptive } from './migrations/008-adaptive.ts'
import { social } from './migrations/009-social.ts'
import { funnelSearch } from './migrations/010-funnel-search.ts'
import { trajectories } from './migrations/011-trajectories.ts'
import { distill } from './migrations/012-distill.ts'
import { studies } from './migrations/013-studies.ts'
import type { Migration } from './migrations/migration.ts'

export type { Migration }

/** Every migration, in version order (versions are reserved per feature and need not be contiguous). */
export const MIGRATIONS: Migration[] = [core, llm, checkpoints, datasets, fidelity, lifecycle, warmStart, adaptive, social, funnelSearch, trajectories, distill, studies]

export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version
