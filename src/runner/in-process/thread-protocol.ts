import type { SerializedError } from '../../core/index.ts'
import type { LlmSettings } from '../../llm/create-runner.ts'
import type { RunConfig } from '../../core/index.ts'
import type { ShardInput, ShardResult } from '../../core/index.ts'

/** Messages from the orchestrator to a shard thread. */
export type ToThread =
  | { type: 'init'; config: RunConfig; llm?: LlmSettings; concurrency: number }
  | { type: 'snapshot'; round: number; snapshot: unknown }
  | { type: 'shard'; input: ShardInput }

/** Messages from a shard thread back. */
export type FromThread =
  | { type: 'ready' }
  | { type: 'result'; result: ShardResult }
  | { type: 'error'; shard: number | null; error: SerializedError }
