import type { RunConfig, ShardResult } from '../core/index.ts'
import type { RoundMetrics } from '../metrics/index.ts'
import type { RunStore } from '../store/index.ts'
import { writeCheckpoint } from '../checkpoint/checkpoint-store.ts'
import { deleteRoundsAfter } from '../checkpoint/round-tables.ts'
import { hasGuards, recoveryOf } from '../checkpoint/settings.ts'
import { checkGuards, recordIntervention, roundHealth } from '../correction/guards.ts'
import type { ShardExecutor } from './executor.ts'
import type { RunListener } from './orchestrator.ts'
import type { StatePart } from './state-parts.ts'

/**
 * The orchestrator's recovery duties, kept out of the round loop: which executor runs
 * the next round (the primary, or the fallback after a guard tripped), the guard check
 * of each measured round, and the checkpoint after each committed one.
 */
export class RunRecovery {
  private readonly settings
  private readonly guarded: boolean
  private current: ShardExecutor
  private fallback: ShardExecutor | undefined

  constructor(
    private readonly runId: string,
    private readonly config: RunConfig,
    private readonly store: RunStore,
    primary: ShardExecutor,
    private readonly makeFallback: (() => Promise<ShardExecutor>) | undefined,
    private readonly listener: RunListener | undefined,
  ) {
    this.settings = recoveryOf(config)
    this.guarded = hasGuards(this.settings)
    this.current = primary
  }

  get executor(): ShardExecutor {
    return this.current
  }

  get onFallback(): boolean {
    return this.fallback !== undefined && this.current === this.fallback
  }

  /** Switches to the fallback setting; false when the run has none. */
  async useFallback(): Promise<boolean> {
    if (!this.makeFallback) return false
    this.fallback ??= await this.makeFallback()
    this.current = this.fallback
    return true
  }

  /**
   * Checks a measured round against the guards. On a trip the round is rolled back (the
   * state before it is the last good one) and, unless already on the fallback, the caller
   * must replay it: returns true. Every trip is recorded as an intervention.
   */
  async rejectsRound(round: number, results: readonly ShardResult[], metrics: RoundMetrics): Promise<boolean> {
    if (!this.guarded) return false
    const trip = checkGuards(this.settings, roundHealth(results, metrics), metrics)
    if (!trip) return false
    const replay = !this.onFallback && (await this.useFallback())
    const { db } = this.store
    db.transaction(() => {
      if (replay) deleteRoundsAfter(db, this.runId, this.store.runKey(this.runId), round - 1)
      const action = replay ? 'rolled back the round and replayed it on the fallback' : this.fallback ? 'kept: already on the fallback' : 'kept: no fallback configured'
      recordIntervention(db, this.runId, round, trip, action)
    })()
    this.listener?.onIntervention?.({ round, guard: trip.guard, replayed: replay })
    return replay
  }

  /** Writes the round's checkpoint when it is due (every K rounds, the last one, or a stop). */
  checkpoint(round: number, state: { states: readonly StatePart[]; policyState: unknown; rounds: readonly RoundMetrics[]; exposure: Float64Array }, stopping: boolean): void {
    const due = (round + 1) % this.settings.checkpointEvery === 0 || round + 1 === this.config.rounds || stopping
    if (!due) return
    const cp = writeCheckpoint(
      this.store,
      this.runId,
      { round, states: state.states, policyState: state.policyState, metrics: state.rounds, exposure: state.exposure, config: this.config, extra: { fallback: this.onFallback } },
      this.settings.keepCheckpoints,
    )
    this.listener?.onCheckpoint?.({ round, ...cp })
  }

  async close(): Promise<void> {
    await this.fallback?.close()
  }
}
