import type { SerializedError, ShardInput, ShardResult } from '../../core/index.ts'
import type { RunConfig } from '../../config/index.ts'
import type { LlmSettings } from '../../llm/settings.ts'

/** Messages from the orchestrator to a shard thread. */
export type ToThread =
  | { type: 'init'; config: RunConfig; llm?: LlmSettings; concurrency: number; shardExtensions?: string }
  | { type: 'snapshot'; round: number; snapshot: unknown }
  | { type: 'shard'; input: ShardInput }

/** Messages from a shard thread back. */
export type FromThread =
  | { type: 'ready' }
  | { type: 'result'; result: ShardResult }
  | { type: 'error'; shard: number | null; error: SerializedError }
