import { SimError } from '../../core/index.ts'

/** Where a deployment's queue and run data live in Redis. */
export interface QueueAddress {
  /** Key prefix for everything usersim writes (BullMQ's `prefix`). Default `usersim`. */
  prefix: string
  /** The BullMQ queue every run's shard jobs go on. Default `shards`. */
  queue: string
}

export const DEFAULT_ADDRESS: QueueAddress = { prefix: 'usersim', queue: 'shards' }

export function checkAddress(a: QueueAddress): QueueAddress {
  if (!/^[A-Za-z0-9_-]+$/.test(a.prefix)) throw new SimError('USAGE', `the Redis key prefix must be letters, digits, "_" and "-" (got "${a.prefix}")`)
  if (!/^[A-Za-z0-9_-]+$/.test(a.queue) || a.queue === 'run') {
    throw new SimError('USAGE', `the queue name must be letters, digits, "_" and "-", and not "run" (got "${a.queue}")`)
  }
  return a
}

/** BullMQ forbids ":" in custom job ids; run ids are checked to be plain. */
export function jobId(runId: string, round: number, shard: number): string {
  return `${runId}-${round}-${shard}`
}

/**
 * Keys of one run's bulk data, all under `<prefix>:run:<runId>:`, so a run's end (or
 * `usersim worker` noticing an orphan) removes them with one SCAN.
 */
export function runKeys(prefix: string, runId: string) {
  const base = `${prefix}:run:${runId}`
  return {
    pattern: `${base}:*`,
    /** Set while the orchestrator lives (expires if it dies): workers skip orphaned jobs. */
    alive: `${base}:alive`,
    snapshot: (round: number) => `${base}:snap:${round}`,
    input: (round: number, shard: number) => `${base}:in:${round}:${shard}`,
    result: (round: number, shard: number) => `${base}:out:${round}:${shard}`,
    /** Messages delivered to a shard's agents this round (deflated JSON; absent when none). */
    mail: (round: number, shard: number) => `${base}:mail:${round}:${shard}`,
  }
}

export function checkRunId(runId: string): string {
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(runId)) {
    throw new SimError('USAGE', `a distributed run id must be letters, digits, ".", "_" and "-" (got "${runId}")`)
  }
  return runId
}

/** Pub/sub channel on which an orchestrator announces a run, so workers build its world early. */
export function warmupChannel(a: QueueAddress): string {
  return `${a.prefix}:${a.queue}:warmup`
}
