import { lastCheckpointRound, listCheckpoints } from '../../checkpoint/checkpoint-repo.ts'
import { countCorrections, listInterventions, type CorrectionCount } from '../../correction/corrections-repo.ts'
import type { ShowSection as Section } from './section.ts'

const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`

interface CheckpointsView {
  kept: { round: number; createdAt: string; bytes: number }[]
  lastRound: number | null
}


/** `show` sections for checkpoints, corrections by kind and run-level interventions. */
export function recoveryShowSections(table: (head: string[], rows: (string | number)[][]) => string): Section[] {
  return [
    {
      title: 'Checkpoints',
      key: 'checkpoints',
      collect: (store, runId): CheckpointsView | undefined => {
        const kept = listCheckpoints(store.db, runId).map(({ round, createdAt, bytes }) => ({ round, createdAt, bytes }))
        return kept.length ? { kept, lastRound: lastCheckpointRound(store.db, runId) } : undefined
      },
      render: (d) => {
        const v = d as CheckpointsView
        return table(['after round', 'written', 'size'], v.kept.map((c) => [c.round, c.createdAt.replace('T', ' ').slice(0, 19), mb(c.bytes)]))
      },
    },
    {
      title: 'Corrections',
      key: 'corrections',
      collect: (store, runId): CorrectionCount[] | undefined => {
        const rows = countCorrections(store.db, runId)
        return rows.length ? rows : undefined
      },
      render: (d) => table(['layer', 'kind', 'task', 'flagged', 'fixed', 'regenerations'], (d as CorrectionCount[]).map((r) => [r.layer, r.kind, r.task, r.count, r.fixed, r.attempts])),
    },
    {
      title: 'Interventions',
      key: 'interventions',
      collect: (store, runId) => {
        const list = listInterventions(store.db, runId)
        return list.length ? list : undefined
      },
      render: (d) =>
        table(
          ['round', 'guard', 'detail', 'action'],
          (d as ReturnType<typeof listInterventions>).map((i) => [i.round, i.guard, JSON.stringify(i.detail), i.action]),
        ),
    },
  ]
}
