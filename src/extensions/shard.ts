import { correctionsShardExtension } from '../correction/with-corrections.ts'
import type { ShardExtension } from '../runner/shard-extension.ts'
import { hybridShardExtension } from '../distill/hybrid-extension.ts'

/**
 * The shard-side features, loaded by every shard thread and BullMQ worker (by this
 * module's URL) so that a shard runs the same wherever it runs.
 */
// The hybrid split runs innermost, so the critics see model and surrogate answers alike.
export const shardExtensions: ShardExtension[] = [hybridShardExtension, correctionsShardExtension]
