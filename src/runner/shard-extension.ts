import type { RecordingTaskRunner, ShardExtras } from '../core/index.ts'
import type { RunConfig } from '../config/index.ts'
import type { LlmSettings } from '../llm/settings.ts'

/** What a shard extension is told when it wraps a shard's task runner. */
export interface ShardExtensionContext {
  config: RunConfig
  /** The backend the shard's tasks run on (the surrogate when the run has no model). */
  llm: LlmSettings
}

/** A shard's runner as an extension wrapped it, and what the extension collected for the shard. */
export interface WrappedRunner {
  runner: RecordingTaskRunner
  /** Called once after the shard's agents stepped: what to add to the shard's `extras`. */
  collect(): Partial<ShardExtras>
}

/**
 * The shard-side extension point: wraps the task runner of each shard (e.g. the
 * consistency critics that ask again when an answer breaks a rule). Extensions run
 * wherever shards run (this thread, shard threads, BullMQ workers), so shard threads load
 * them from a module (see `ShardExtensionsModule`) rather than receiving functions.
 *
 * @example
 * const counting: ShardExtension = {
 *   name: 'count-calls',
 *   wrap: (runner) => {
 *     let n = 0
 *     return { runner: { ...runner, run: (t, i, m) => (n++, runner.run(t, i, m)) }, collect: () => ({}) }
 *   },
 * }
 */
export interface ShardExtension {
  readonly name: string
  wrap(runner: RecordingTaskRunner, ctx: ShardExtensionContext): WrappedRunner
}

/**
 * A module (its URL) that exports `shardExtensions: ShardExtension[]`. Shard threads and
 * workers import it to get the same extensions as the process that started the run.
 */
export type ShardExtensionsModule = string

/** Loads the extensions a module exports (none without a module). */
export async function loadShardExtensions(module: ShardExtensionsModule | undefined): Promise<ShardExtension[]> {
  if (!module) return []
  const mod = (await import(module)) as { shardExtensions?: unknown }
  if (!Array.isArray(mod.shardExtensions)) throw new Error(`${module} does not export shardExtensions (an array of ShardExtension)`)
  return mod.shardExtensions as ShardExtension[]
}
