import type { RunExtension } from '../runner/round-loop.ts'
import { writeCheckpoint, type WriteStats } from './checkpoint-repo.ts'

export interface CheckpointOptions {
  /** Told after each checkpoint (round, bytes, ms): benchmarks and progress views. */
  onWritten?(info: { round: number } & WriteStats): void
  /** Runs inside the checkpoint's transaction before it counts (crash tests hold the process there). */
  beforeLedger?(round: number): void
}

/**
 * Checkpoints after committed rounds, at the run's cadence (`recovery.checkpointEvery`),
 * after the last round and when the run stops early, keeping the newest
 * `recovery.keepCheckpoints`. Each holds the agents' records, the policy state, the
 * metrics so far, the exposure and the run-level facts, so a resume continues exactly.
 */
export function checkpointExtension(opts: CheckpointOptions = {}): RunExtension {
  return {
    name: 'checkpoints',
    attach(loop) {
      const { checkpointEvery, keepCheckpoints } = loop.config.recovery
      loop.on('round:committed', (e) => {
        const due = (e.round + 1) % checkpointEvery === 0 || e.round + 1 === loop.config.rounds || e.stopping
        if (!due) return
        const stats = writeCheckpoint(
          loop.store,
          loop.runId,
          { round: e.round, states: e.states, policyState: e.policyState, metrics: e.rounds, exposure: e.exposure, config: loop.config, extra: { ...e.facts } },
          keepCheckpoints,
          opts.beforeLedger,
        )
        opts.onWritten?.({ round: e.round, ...stats })
      })
    },
  }
}
