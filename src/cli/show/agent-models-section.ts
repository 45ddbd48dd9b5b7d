import { modelGroupMetrics, type ModelGroupRound } from '../../distill/model-groups.ts'
import { llmUsageByModel, type LlmModelUsage } from '../../llm/llm-calls-repo.ts'
import { formatTable } from '../output/table.ts'
import type { ShowSection } from './section.ts'

/** The `usersim show` section on calls and tokens per model (runs whose calls went to two models or more). */
export const llmModelUsageSection: ShowSection = {
  title: 'LLM usage by model',
  key: 'llmModels',
  collect: (store, runId) => llmUsageByModel(store.db, store.runKey(runId)),
  render: (data: unknown) =>
    formatTable(
      ['model', 'agents', 'calls', 'prompt tok', 'compl tok', 'cache hits', 'fallbacks', 'errors'],
      (data as LlmModelUsage[]).map((r) => [r.model, r.agents, r.calls, r.promptTokens, r.completionTokens, r.cacheHits, r.fallbacks, r.errors]),
    ),
}

/** The `usersim show` section on a mixed-model population's metrics per model group (--agent-models). */
export const modelGroupsSection: ShowSection = {
  title: 'Metrics by model group (--agent-models)',
  key: 'modelGroups',
  collect: (store, runId) => modelGroupMetrics(store.db, store.runKey(runId), store.getRun(runId).config.llm),
  render: (data: unknown) =>
    formatTable(
      ['round', 'model', 'agents', 'ctr', 'satisfaction', 'leave rate'],
      (data as ModelGroupRound[]).map((r) => [r.round ?? 'all', r.model, r.agents, r.ctr, r.satisfaction, r.leaveRate]),
    ),
}
