import { createTaskRunner, type LlmSettings } from '../../llm/create-runner.ts'
import type { RunConfig } from '../../core/index.ts'
import type { ShardExecutor } from '../executor.ts'
import type { ShardResult } from '../../core/index.ts'
import { attachCorrections, correctingRunner } from '../../correction/shard-runner.ts'
import { runShard } from '../run-shard.ts'
import { createShardEnv, type ShardEnv } from '../shard-env.ts'

/** Runs shards in the calling thread (`--threads 0`): simplest to debug. */
export function inlineExecutor(config: RunConfig, llm?: LlmSettings, concurrency = 1): ShardExecutor {
  let env: Promise<ShardEnv> | undefined
  return {
    name: 'inline',
    async runRound(_round, snapshot, shards, onShardDone) {
      env ??= createShardEnv(config)
      const e = await env
      const tasks = correctingRunner(await createTaskRunner(llm, { scenario: e.scenario }), config, llm)
      const results: ShardResult[] = []
      for (const s of shards) {
        const r = attachCorrections(await runShard(e, snapshot, s, tasks, { concurrency }), tasks)
        onShardDone?.(r)
        results.push(r)
      }
      return results
    },
    async close() {},
  }
}
