import type { RunStore } from '../store/index.ts'
import type { RunExtension } from './round-loop.ts'

/** Heartbeats per lease time-to-live (30 s): a few missed beats do not lose the lease. */
const BEAT_MS = 5_000

export interface HeldLease {
  /** Renews the lease on shard commits too (an in-thread round may hold the timer off). */
  extension: RunExtension
  /** Stops the heartbeat and gives the lease up. */
  release(): void
}

/**
 * Holds a run's lease while this process drives it: takes it (refusing a run another live
 * process holds), renews it on a timer and as shards commit, and, if the process exits
 * while the run is still `running` (a second Ctrl-C, SIGTERM, an uncaught error), records
 * the run as interrupted on the way out.
 */
export function holdLease(store: RunStore, runId: string): HeldLease {
  store.acquireLease(runId)
  let last = Date.now()
  const renew = () => {
    last = Date.now()
    try {
      if (store.db.open) store.renewLease(runId)
    } catch {
      // A busy database skips one beat; the lease outlives several.
    }
  }
  const timer = setInterval(renew, BEAT_MS)
  timer.unref()
  const onExit = (code: number) => {
    if (!store.db.open) return
    try {
      if (store.db.inTransaction) return // the exit cuts an open transaction short; the dead pid tells the rest
      store.transaction(() => {
        const run = store.getRun(runId)
        if (run.lease && run.status === 'running') store.setRunStatus(runId, 'interrupted', `the process exited (code ${code}) during the run; \`npx usersim resume ${runId}\` continues it`)
        store.releaseLease(runId)
      })
    } catch {
      // Exiting anyway: the lease lapses on its own.
    }
  }
  process.on('exit', onExit)
  const maybeRenew = () => {
    if (Date.now() - last >= 1_000) renew()
  }
  return {
    extension: {
      name: 'run-lease',
      attach(loop) {
        loop.on('shard:committed', maybeRenew)
        loop.on('round:done', maybeRenew)
      },
    },
    release() {
      clearInterval(timer)
      process.off('exit', onExit)
      if (store.db.open) store.releaseLease(runId)
    },
  }
}
