import { createTaskRunner, type LlmSettings } from '../../llm/create-runner.ts'
import type { RunConfig } from '../../core/index.ts'
import type { ShardExecutor } from '../executor.ts'
import type { ShardResult } from '../../core/index.ts'
import { attachCorrections, correctingRunner } from '../../correction/shard-runner.ts'
import { runShard } from '../run-shard.ts'
import { createShardEnv, type ShardEnv } from '../shard-env.ts'
import { runInLanes, shardLanes } from './shard-lanes.ts'

/** Runs shards in the calling thread (`--threads 0`), two at once on a model backend (see shardLanes). */
export function inlineExecutor(config: RunConfig, llm?: LlmSettings, concurrency = 1): ShardExecutor {
  let env: Promise<ShardEnv> | undefined
  return {
    name: 'inline',
    async runRound(_round, snapshot, shards, onShardDone) {
      env ??= createShardEnv(config)
      const e = await env
      const tasks = correctingRunner(await createTaskRunner(llm, { scenario: e.scenario }), config, llm)
      const lanes = shardLanes(llm)
      const results: ShardResult[] = new Array(shards.length)
      await runInLanes(shards, lanes, async (s, i) => {
        // Shards running side by side each drain their own call records.
        const own = lanes > 1 && tasks.fork ? (tasks.fork() as typeof tasks) : tasks
        const r = attachCorrections(await runShard(e, snapshot, s, own, { concurrency }), own)
        onShardDone?.(r)
        results[i] = r
      })
      return results
    },
    async close() {},
  }
}
