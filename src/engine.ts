/**
 * usersim/engine — for extending the engine rather than writing scenarios: the round
 * loop and its extension points, the shard host and executors (in-process, BullMQ), the
 * store and its commit hooks, the typed configuration, the task runners, and the features
 * that plug in (checkpoints, corrections, recovery). Scenario authors need only `usersim`.
 *
 * @example
 * import { buildRunConfig, launchRun, defaultExtensions, bullmqExecutor } from 'usersim/engine'
 * const { config } = await buildRunConfig('feed', { agents: 100_000 })
 * await launchRun(config, {
 *   db: 'runs.db',
 *   extensions: defaultExtensions(),
 *   executor: (c) => bullmqExecutor({ redis: 'redis://127.0.0.1:6379', config: c }),
 * })
 */
export * from './runner/index.ts'
export * from './config/index.ts'
export * from './store/index.ts'
export * from './metrics/index.ts'
export { bullmqExecutor, startShardWorker, checkRedisUrl, redactRedisUrl, DEFAULT_REDIS_URL, type BullmqExecutorOptions, type ShardWorkerOptions, type ShardWorkerHandle } from './runner/bullmq/index.ts'
export { createTaskRunner } from './llm/create-runner.ts'
export { surrogateRunner } from './llm/surrogate-runner.ts'
export { llmSettingsSchema, openAiSettingsSchema, SURROGATE, type LlmSettings, type OpenAiSettings } from './llm/settings.ts'
export { startOpenAiTestServer, type OpenAiTestServer } from './llm/testing/openai-test-server.ts'
export { defaultExtensions, shardExtensions, SHARD_EXTENSIONS_MODULE, testHoldFromEnv, type DefaultExtensionOptions } from './extensions/index.ts'
export { checkpointExtension, type CheckpointOptions } from './checkpoint/checkpoint-extension.ts'
export { loadCheckpoint, listCheckpoints, writeCheckpoint, type CheckpointData } from './checkpoint/checkpoint-repo.ts'
export { guardsExtension, type GuardsOptions } from './correction/guards-extension.ts'
export { correctionsShardExtension, withCorrections, type CorrectionOptions } from './correction/with-corrections.ts'
export { registerCritic, criticsFor, type Critic, type Verdict } from './correction/critic.ts'
export type { CorrectionRecord } from './correction/correction-record.ts'
export { resumeRun, type ResumeOutcome } from './recovery/resume.ts'
export { branchRun, type BranchOutcome, type BranchOverrides } from './recovery/branch.ts'
export { rollbackRun, type RollbackOutcome } from './recovery/rollback.ts'
export { interviewAgent, type InterviewOutcome } from './recovery/interview.ts'
export { registerExportFormat, exportFormat, exportFormats, type ExportFormat, type ExportResult } from './datasets/export-registry.ts'
// Reading an exported dataset back (docs/datasets.md).
export { readJsonl } from './datasets/jsonl.ts'
export { sftRecord, dpoTrlRecord, dpoLlamaFactoryRecord, eventRecord, type SftRecord } from './datasets/formats/index.ts'
// The policy protocol (docs/external-policies.md): a client in a scenario, and the schemas and check a server author tests against.
export { externalPolicy } from './external/external-policy.ts'
export * as policyProtocol from './external/protocol.ts'
export { checkRecommendResponse } from './external/protocol.ts'
export * from './core/index.ts'
