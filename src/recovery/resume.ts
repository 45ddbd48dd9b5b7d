import { SimError } from '../core/index.ts'
import type { RunConfig } from '../config/index.ts'
import { loadCheckpoint } from '../checkpoint/checkpoint-repo.ts'
import { recordFailure, type RunResult } from '../runner/index.ts'
import { readingStore, readingStoreAsync, RunStore } from '../store/index.ts'
import { continueRun, discardExecutor, ensurePersonas, resumePointOf, startExecutorEarly, type ContinueOptions } from './continue-run.ts'

export interface ResumeOutcome {
  result: RunResult
  config: RunConfig
  scenario: string
  /** The round the run continued from (0 when no checkpoint had been written). */
  fromRound: number
}

/**
 * Continues an interrupted run (killed, crashed, stopped) from its last good checkpoint:
 * rows committed after that checkpoint are deleted (a distributed run's stale jobs go when
 * its executor starts), and the run goes on with the seeds it had, so the final events and metrics equal an
 * uninterrupted run's.
 *
 * @example
 * const { result } = await resumeRun('usersim.db', 'feed-20260101-120000-ab12', { threads: 2, extensions: defaultExtensions() })
 */
export async function resumeRun(db: string, runId: string, opts: ContinueOptions): Promise<ResumeOutcome> {
  const store = readingStore(db, `run "${runId}"`, () => new RunStore(db, { mustExist: true }))
  try {
    const run = readingStore(db, `run "${runId}"`, () => store.getRun(runId))
    if (run.status === 'finished') {
      throw new SimError('USAGE', `run "${runId}" already finished all ${run.config.rounds} rounds; nothing to resume (see \`npx usersim rollback\` or \`npx usersim branch\`)`)
    }
    // A run another live process still drives is refused, naming it, before anything changes.
    store.acquireLease(runId)
    let cp
    try {
      cp = readingStore(db, `the checkpoints of run "${runId}"`, () => loadCheckpoint(store, runId))
      if (cp && JSON.stringify(cp.config) !== JSON.stringify(run.config)) {
        throw new SimError('CHECKPOINT_CONFLICT', `the checkpoint of round ${cp.round} of run "${runId}" was written for another configuration than the run's`)
      }
    } catch (err) {
      store.releaseLease(runId)
      throw err
    }
    const config = run.config
    const fromRound = cp ? cp.round + 1 : 0
    const executorReady = startExecutorEarly(config, opts)
    try {
      // Work a dead distributed run left in Redis is dropped by its executor when it starts the first round.
      readingStore(db, `the rounds of run "${runId}"`, () =>
        store.transaction(() => {
          store.deleteRoundsAfter(runId, fromRound - 1)
          store.setRunStatus(runId, 'running')
        }),
      )
      await readingStoreAsync(db, `the personas of run "${runId}"`, () => ensurePersonas(store, runId, config))
    } catch (err) {
      await discardExecutor(executorReady)
      recordFailure(store, runId, err)
      store.releaseLease(runId)
      throw err
    }
    const result = await continueRun(store, runId, config, cp ? resumePointOf(cp) : undefined, opts, executorReady)
    return { result, config, scenario: run.scenario, fromRound }
  } finally {
    store.close()
  }
}
