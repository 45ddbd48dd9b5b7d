import { trialFigures, trialsOf } from '../../datasets/trials.ts'
import type { RunStore } from '../../store/index.ts'
import type { ShowSection } from './section.ts'

/**
 * `usersim show` section for multi-trial episodes (`--set trials=N`): pass rate, mean
 * rounds and satisfaction by trial index, read back from the run's events and utterances.
 */
export function trialsSection(formatTable: (head: string[], rows: Array<Array<string | number>>) => string): ShowSection {
  return {
    title: 'Trials (multi-trial episodes with reflection)',
    key: 'trials',
    collect: (store: RunStore, runId: string) => {
      const trials = Number(store.getRun(runId).config.params.trials ?? 1)
      if (!(trials > 1)) return undefined
      return trialFigures(trialsOf(store, runId))
    },
    render: (d: unknown) =>
      formatTable(
        ['trial', 'users', 'passed', 'pass rate', 'cumulative', 'avg rounds', 'satisfaction'],
        (d as ReturnType<typeof trialFigures>).map((f) => [f.trial + 1, f.users, f.passed, f.passRate.toFixed(3), f.cumulativePassRate.toFixed(3), f.avgRounds.toFixed(2), f.satisfaction.toFixed(3)]),
      ),
  }
}
