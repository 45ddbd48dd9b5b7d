import { llmUsage, type LlmTaskUsage } from '../../llm/llm-calls-repo.ts'
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
    return formatTable(
      ['task', 'calls', 'prompt tok', 'compl tok', 'cache hits', 'repairs', 'fallbacks', 'errors', 'p50 ms', 'p95 ms', 'p99 ms'],
      rows.map((r) => [r.task, r.calls, r.promptTokens, r.completionTokens, r.cacheHits, r.repairs, r.fallbacks, r.errors, ms(r.latencyMs.p50), ms(r.latencyMs.p95), ms(r.latencyMs.p99)]),
    )
  },
}
