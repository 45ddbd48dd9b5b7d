import { checkpointExtension, type CheckpointOptions } from '../checkpoint/checkpoint-extension.ts'
import { correctionsCommitHook } from '../correction/corrections-repo.ts'
import { guardsExtension } from '../correction/guards-extension.ts'
import { tracesCommitHook } from '../datasets/traces-repo.ts'
import { llmCallsCommitHook } from '../llm/llm-calls-repo.ts'
import { messagesCommitHook } from '../social/messages-repo.ts'
import { hybridAuditCommitHook } from '../distill/audit-repo.ts'
import { redistillExtension } from '../distill/redistill-extension.ts'
import type { Extensions } from '../runner/launch.ts'
import type { RunExtension } from '../runner/round-loop.ts'
import { shardExtensions } from './shard.ts'
import type { TestHold } from './test-hold.ts'

/** The module shard threads load to get `shardExtensions` (see ./shard.ts). */
export const SHARD_EXTENSIONS_MODULE = new URL('./shard.ts', import.meta.url).href

export interface DefaultExtensionOptions {
  /** More round-loop extensions (the CLI's progress bar, a live view). */
  run?: readonly RunExtension[]
  checkpoints?: CheckpointOptions
  /** Crash-test holds (the CLI installs them from USERSIM_TEST_HOLD). */
  testHold?: TestHold
}

/**
 * Every feature plugged into the engine, from this one place:
 * - store commit hooks: model calls (`llm_calls`, `llm_cache`), corrections, dataset traces, messages between agents, the hybrid audit;
 * - round-loop extensions: checkpoints after committed rounds, run-level guards with their fallback,
 *   continuous distillation of a hybrid run's surrogate profile;
 * - shard extensions (./shard.ts): the hybrid model/surrogate split and the consistency critics around each shard's task runner.
 */
export function defaultExtensions(o: DefaultExtensionOptions = {}): Extensions {
  const hold = o.testHold
  return {
    commitHooks: [llmCallsCommitHook, correctionsCommitHook, tracesCommitHook, messagesCommitHook, hybridAuditCommitHook],
    run: [
      checkpointExtension({ ...o.checkpoints, beforeLedger: hold ? (round) => hold.at(`checkpoint:${round}`) : o.checkpoints?.beforeLedger }),
      guardsExtension(),
      redistillExtension(),
      ...(hold ? [hold.extension] : []),
      ...(o.run ?? []),
    ],
    shardExtensions: SHARD_EXTENSIONS_MODULE,
  }
}

export { shardExtensions }
export { testHoldFromEnv, type TestHold } from './test-hold.ts'
