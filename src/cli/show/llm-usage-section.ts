import { limitTrajectory, llmUsage, type LimitRound, type LlmTaskUsage } from '../../llm/llm-calls-repo.ts'
import { formatTable } from '../output/table.ts'
import type { ShowSection } from './section.ts'

/** The `usersim show` section on LLM usage per task (absent for surrogate-only runs). */
export const llmUsageSection: ShowSection = {
  title: 'LLM usage',
  key: 'llmUsage',
  collect: (store, runId): LlmTaskUsage[] | undefined => llmUsage(store.db, store.runKey(runId)),
  render(data: unknown): string {
    const rows = data as LlmTaskUsage[]
    const ms = (x: number) => (Number.isFinite(x) ? Math.round(x) : Number.NaN)
    // The server's prefix-cache share, when it reports cached prompt tokens.
    const prefix = rows.some((r) => r.cachedShare !== null)
    const share = (r: LlmTaskUsage) => (r.cachedShare === null ? '-' : `${Math.round(r.cachedShare * 100)} %`)
    return formatTable(
      ['task', 'calls', 'prompt tok', ...(prefix ? ['prefix-cached'] : []), 'compl tok', 'cache hits', 'repairs', 'fallbacks', 'errors', 'p50 ms', 'p95 ms', 'p99 ms'],
      rows.map((r) => [r.task, r.calls, r.promptTokens, ...(prefix ? [share(r)] : []), r.completionTokens, r.cacheHits, r.repairs, r.fallbacks, r.errors, ms(r.latencyMs.p50), ms(r.latencyMs.p95), ms(r.latencyMs.p99)]),
    )
  },
}

/** The `usersim show` section on each endpoint's adaptive concurrency limit per round (absent when limits were fixed). */
export const llmLimitSection: ShowSection = {
  title: 'LLM concurrency limit (adaptive)',
  key: 'llmLimits',
  collect: (store, runId): LimitRound[] | undefined => {
    const llm = store.getRun(runId).config.llm
    return limitTrajectory(store.db, store.runKey(runId), llm?.backend === 'openai' && !!llm.agentModels)
  },
  render(data: unknown): string {
    const rows = data as LimitRound[]
    return formatTable(
      ['round', 'endpoint', 'answers', 'min', 'median', 'max', 'at end'],
      rows.map((r) => [r.round, r.endpoint, r.calls, r.min, r.median, r.max, r.last]),
    )
  },
}
