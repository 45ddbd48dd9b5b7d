import type { RunStore } from '../store/index.ts'
import { listInterventions } from '../correction/guards.ts'
import { lastCheckpointRound, listCheckpoints } from './checkpoint-store.ts'

/** The shape of a `usersim show` section (see src/cli/commands/show.ts). */
interface Section {
  title: string
  key: string
  collect(store: RunStore, runId: string): unknown | undefined
  render(data: unknown): string
}

const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`

interface CheckpointsView {
  kept: { round: number; createdAt: string; bytes: number }[]
  lastRound: number | null
}

interface CorrectionRow {
  layer: string
  kind: string
  task: string
  count: number
  fixed: number
  attempts: number
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
      collect: (store, runId): CorrectionRow[] | undefined => {
        const rows = store.db
          .prepare('SELECT layer, kind, task, count(*) AS count, sum(fixed) AS fixed, sum(attempts) AS attempts FROM corrections WHERE run_id = ? GROUP BY layer, kind, task ORDER BY layer, kind, task')
          .all(runId) as CorrectionRow[]
        return rows.length ? rows : undefined
      },
      render: (d) => table(['layer', 'kind', 'task', 'flagged', 'fixed', 'regenerations'], (d as CorrectionRow[]).map((r) => [r.layer, r.kind, r.task, r.count, r.fixed, r.attempts])),
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
