import { SimError } from '../core/index.ts'
import { RunStore } from '../store/index.ts'

/** What every command taking a run id says about it. */
export const RUN_ID_HELP = 'run id (see `npx usersim runs`), or "latest" for the newest run'

/** A run-id argument as given: "latest" names the newest run in the database (as `report` reads it). */
export function resolveRunArg(db: string, id: string): string {
  if (id !== 'latest') return id
  const store = new RunStore(db, { mustExist: true })
  try {
    const newest = store.listRuns()[0]
    if (!newest) throw new SimError('RUN_NOT_FOUND', `no runs in ${db}, so no "latest" one`)
    return newest.id
  } finally {
    store.close()
  }
}
