import type { RecordingTaskRunner, ShardExtras, ShardInput, ShardResult } from '../core/index.ts'
import type { RunConfig } from '../config/index.ts'
import { createTaskRunner } from '../llm/create-runner.ts'
import type { LlmLimiter } from '../llm/limits.ts'
import { SURROGATE, type LlmSettings } from '../llm/settings.ts'
import { runShard } from './run-shard.ts'
import { createShardEnv, type ShardEnv } from './shard-env.ts'
import type { ShardExtension } from './shard-extension.ts'

export interface ShardHostOptions {
  config: RunConfig
  /** The task backend (default: the run's own settings, else the surrogate). */
  llm?: LlmSettings
  /** Agents in flight per shard (useful with a model backend). */
  concurrency?: number
  extensions?: readonly ShardExtension[]
  /** Limits shared beyond this process (BullMQ workers: held in Redis). */
  limiter?: LlmLimiter
  /** Wraps each shard's runner before the extensions do (BullMQ: yield to the event loop). */
  adapt?: (runner: RecordingTaskRunner) => RecordingTaskRunner
  /** A world already being built for this configuration (a worker's cache); default: build one. */
  env?: Promise<ShardEnv>
  /** A task runner to use instead of the backend's (tests inject faults this way). */
  tasks?: RecordingTaskRunner
}

/** One process's or thread's side of a run: the world, the task backend, and how a shard runs on them. */
export interface ShardHost {
  readonly env: ShardEnv
  /** Runs one shard: its steps, its call records, and what the extensions collected. */
  run(snapshot: unknown, input: ShardInput): Promise<ShardResult>
}

/**
 * Builds the shard side of a run, the same way for every executor: the world (catalog,
 * personas, policy), the task runner of the backend, and per shard a fork of it (its own
 * call records) wrapped by the extensions. Shards may run side by side on one host.
 */
export async function createShardHost(opts: ShardHostOptions): Promise<ShardHost> {
  const llm = opts.llm ?? opts.config.llm ?? SURROGATE
  const env = await (opts.env ?? createShardEnv(opts.config))
  const base = opts.tasks ?? (await createTaskRunner(llm, { scenario: env.scenario, limiter: opts.limiter }))
  const extensions = opts.extensions ?? []
  const ctx = { config: opts.config, llm }
  return {
    env,
    async run(snapshot, input) {
      let runner = base.fork ? base.fork() : base
      if (opts.adapt) runner = opts.adapt(runner)
      const collectors: Array<() => Partial<ShardExtras>> = []
      for (const ext of extensions) {
        const w = ext.wrap(runner, ctx)
        runner = w.runner
        collectors.push(w.collect)
      }
      const steps = await runShard(env, snapshot, input, runner, { concurrency: opts.concurrency })
      const result: ShardResult = { runId: input.runId, round: input.round, shard: input.shard, start: input.start, end: input.end, ...steps, calls: runner.drain() }
      const extras: ShardExtras = {}
      for (const collect of collectors) Object.assign(extras, collect())
      if (Object.keys(extras).length) result.extras = extras
      return result
    },
  }
}
