import type { RecordingTaskRunner, RunConfig, ShardResult } from '../core/index.ts'
import { recoveryOf } from '../checkpoint/settings.ts'
import { correctionOptions, withCorrections, type CorrectingTaskRunner } from './with-corrections.ts'

/**
 * The task runner a shard executor uses: the backend's runner wrapped with the run's
 * critics. Every executor (inline, threads, BullMQ workers) builds its runner with this
 * and calls `attachCorrections` after each `runShard`.
 */
export function correctingRunner(base: RecordingTaskRunner, config: RunConfig, llm?: unknown): CorrectingTaskRunner {
  const backend = (llm as { backend?: string } | undefined)?.backend ?? 'surrogate'
  return withCorrections(base, correctionOptions(recoveryOf(config), backend !== 'surrogate'))
}

/** Moves the corrections of the shard just run onto its result. */
export function attachCorrections(result: ShardResult, tasks: RecordingTaskRunner): ShardResult {
  const list = (tasks as Partial<CorrectingTaskRunner>).takeCorrections?.() ?? []
  if (list.length) result.corrections = list
  return result
}
