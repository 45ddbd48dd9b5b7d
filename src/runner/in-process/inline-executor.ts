import type { ShardResult } from '../../core/index.ts'
import type { RunConfig } from '../../config/index.ts'
import type { ShardExecutor } from '../executor.ts'
import { createShardHost, type ShardHost, type ShardHostOptions } from '../shard-host.ts'
import { loadShardExtensions, type ShardExtensionsModule } from '../shard-extension.ts'
import { runInLanes, shardLanes } from './shard-lanes.ts'

export interface InProcessOptions extends Pick<ShardHostOptions, 'llm' | 'concurrency'> {
  /** The module whose `shardExtensions` wrap each shard's task runner. */
  shardExtensions?: ShardExtensionsModule
  /** A task runner to use instead of the backend's (tests inject faults this way). */
  tasks?: ShardHostOptions['tasks']
}

/** Runs shards in the calling thread (`--threads 0`), two at once on a model backend (see shardLanes). */
export function inlineExecutor(config: RunConfig, opts: InProcessOptions = {}): ShardExecutor {
  let host: Promise<ShardHost> | undefined
  const lanes = shardLanes(opts.llm ?? config.llm)
  return {
    name: 'inline',
    async runRound(_round, snapshot, shards, onShardDone) {
      host ??= loadShardExtensions(opts.shardExtensions).then((extensions) => createShardHost({ config, llm: opts.llm, concurrency: opts.concurrency, extensions, tasks: opts.tasks }))
      const h = await host
      const results: ShardResult[] = new Array(shards.length)
      await runInLanes(shards, lanes, async (s, i) => {
        const r = await h.run(snapshot, s)
        onShardDone?.(r)
        results[i] = r
      })
      return results
    },
    async close() {},
  }
}
