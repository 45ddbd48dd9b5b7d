import { countTraces } from '../../datasets/traces-repo.ts'
import type { RunStore } from '../../store/index.ts'
import { isJudgeMetric } from '../output/metrics-view.ts'
import type { ShowSection } from './section.ts'

/**
 * `usersim show` section: the scenario's own metrics at the last finished round (for the
 * seed scenarios these are the episode figures), and the dataset traces recorded per task.
 */
export function scenarioMetricsSection(formatTable: (head: string[], rows: Array<Array<string | number>>) => string): ShowSection {
  return {
    title: 'Scenario metrics (last round) and dataset traces',
    key: 'scenarioMetrics',
    collect: (store: RunStore, runId: string) => {
      const last = store.getRounds(runId).filter((r) => r.metrics).at(-1)
      const custom = Object.fromEntries(Object.entries(last?.metrics?.custom ?? {}).filter(([k]) => !isJudgeMetric(k)))
      const traces = countTraces(store.db, store.runKey(runId))
      if (!Object.keys(custom).length && !Object.keys(traces).length) return undefined
      return { round: last?.round, metrics: custom, traces }
    },
    render: (d: unknown) => {
      const x = d as { round: number; metrics: Record<string, number>; traces: Record<string, number> }
      return formatTable(
        ['metric', 'value'],
        [...Object.entries(x.metrics).map(([k, v]) => [k, v]), ...Object.entries(x.traces).map(([k, v]) => [`traces: ${k}`, v])],
      )
    },
  }
}
