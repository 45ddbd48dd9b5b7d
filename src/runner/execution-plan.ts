import { availableParallelism } from 'node:os'
import { maxLimitShares, type LlmSettings } from '../llm/settings.ts'

/** How a run's shards execute in process: threads, and agents in flight per shard. */
export interface ExecutionPlan {
  /** Shard threads; 0 runs shards in the calling thread. */
  threads: number
  /** Agents in flight per shard. */
  concurrency: number
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 8))
}

/**
 * The one place that decides threads and agents in flight, for the CLI and the library alike.
 *
 * On the surrogate a step is pure CPU: one thread per core (at most 8), one agent at a time.
 *
 * On a model backend the shards run in the main thread by default: one thread drives
 * about 3,000 calls a second (the client costs about 0.3 ms of CPU per call; `npm run
 * bench -- llm`), more than most model servers take, and on a machine that also hosts the
 * servers a second client thread costs more than it gains. With `threads: N` each thread
 * gets its share of the limits (see limitsShare), and never more threads than the limits
 * can be shared over. Agents in flight per shard: 1.5 × the thread's slots, so a freed
 * slot always has a call waiting.
 */
export function executionPlan(llm: LlmSettings | undefined, requested: { threads?: number; concurrency?: number } = {}): ExecutionPlan {
  if (!llm || llm.backend !== 'openai') return { threads: requested.threads ?? defaultThreads(), concurrency: requested.concurrency ?? 1 }
  const threads = Math.min(requested.threads ?? 0, maxLimitShares(llm))
  const slots = llm.endpoints.reduce((n, e) => n + e.concurrency, 0)
  return { threads, concurrency: requested.concurrency ?? Math.ceil((slots / Math.max(1, threads)) * 1.5) }
}
