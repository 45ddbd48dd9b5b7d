import { SimError } from '../core/index.ts'
import { forgetCheckpointsAfter, listCheckpoints, loadCheckpoint } from '../checkpoint/checkpoint-repo.ts'
import { readingStore, RunStore } from '../store/index.ts'

export interface RollbackOutcome {
  runId: string
  round: number
  /** Rows deleted per table. */
  deleted: Record<string, number>
  /** Checkpoints dropped (those after the round). */
  checkpointsDropped: number
}

/**
 * Rewinds a run to the end of `round`: later rows and checkpoints are deleted and the run
 * is marked interrupted, so `usersim resume` continues it from there (and, with the same
 * seed, reproduces what was rolled back). Needs a checkpoint of exactly that round.
 *
 * @example
 * rollbackRun('usersim.db', 'feed-20260101-120000-ab12', 2)
 */
export function rollbackRun(db: string, runId: string, round: number): RollbackOutcome {
  const store = readingStore(db, `run "${runId}"`, () => new RunStore(db, { mustExist: true }))
  try {
    const run = store.getRun(runId)
    if (round < 0 || round >= run.config.rounds) {
      throw new SimError('USAGE', `--to-round must be between 0 and ${run.config.rounds - 1} for run "${runId}" (got ${round})`)
    }
    // Verifies the checkpoint is whole before anything is deleted.
    readingStore(db, `the checkpoint of round ${round}`, () => loadCheckpoint(store, runId, round))
    const before = listCheckpoints(store.db, runId).length
    // Rewinding a run that another live process is driving would pull rows from under it.
    store.acquireLease(runId)
    const deleted = store.transaction(() => {
      const d = store.deleteRoundsAfter(runId, round)
      forgetCheckpointsAfter(store.db, runId, round)
      store.markRewound(runId)
      store.releaseLease(runId)
      return d
    })
    return { runId, round, deleted, checkpointsDropped: before - listCheckpoints(store.db, runId).length }
  } finally {
    store.close()
  }
}
