import type { ShardInput, ShardResult } from '../core/index.ts'

/**
 * Runs a round's shards somewhere: in this thread, on worker threads, or on BullMQ
 * workers. Executors differ only in transport; all of them call `runShard`.
 */
export interface ShardExecutor {
  readonly name: string
  runRound(
    round: number,
    snapshot: unknown,
    shards: ShardInput[],
    onShardDone?: (result: ShardResult) => void,
  ): Promise<ShardResult[]>
  close(): Promise<void>
  /**
   * Time (ms, since the executor started) its shards sat queued with nothing to run them
   * (no worker connected): not the run's own speed, so throughput leaves it out.
   */
  waitingMs?(): number
}
