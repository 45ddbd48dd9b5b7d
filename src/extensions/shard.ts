import { correctionsShardExtension } from '../correction/with-corrections.ts'
import type { ShardExtension } from '../runner/shard-extension.ts'

/**
 * The shard-side features, loaded by every shard thread and BullMQ worker (by this
 * module's URL) so that a shard runs the same wherever it runs.
 */
export const shardExtensions: ShardExtension[] = [correctionsShardExtension]
