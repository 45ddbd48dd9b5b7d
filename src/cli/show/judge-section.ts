import type { RunStore } from '../../store/index.ts'
import { judgeAgreementTable } from '../output/metrics-view.ts'
import type { ShowSection } from './section.ts'

/**
 * `usersim show` section: the judge's agreement per criterion at the last finished round
 * (RecGPT's human–LLM agreement table, here judge against the simulator's truth and against
 * the simulated users), for runs whose policy has a judge.
 */
export function judgeSection(): ShowSection {
  return {
    title: 'Judge agreement (last round)',
    key: 'judgeAgreement',
    collect: (store: RunStore, runId: string) => {
      const last = store.getRounds(runId).filter((r) => r.metrics).at(-1)
      const custom = last?.metrics?.custom ?? {}
      const judge = Object.fromEntries(Object.entries(custom).filter(([k]) => k.startsWith('judge.')))
      return Object.keys(judge).length ? { round: last?.round, metrics: judge } : undefined
    },
    render: (d: unknown) => judgeAgreementTable((d as { metrics: Record<string, number> }).metrics) ?? '',
  }
}
