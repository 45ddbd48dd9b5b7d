import { reflectionEffects, trialFigures, trialsOf, type ReflectionEffect, type TrialFigures } from '../../datasets/trials.ts'
import type { RunStore } from '../../store/index.ts'
import type { ShowSection } from './section.ts'

interface TrialsData {
  byTrial: TrialFigures[]
  /** What the reflections named, and the share of the next trials that passed. */
  reflections: ReflectionEffect[]
}

/**
 * `usersim show` section for multi-trial episodes (`--set trials=N`): pass rate, mean
 * rounds and satisfaction by trial index, read back from the run's events and utterances,
 * and what the reflections named with how the trials after them went.
 */
export function trialsSection(formatTable: (head: string[], rows: Array<Array<string | number>>) => string): ShowSection {
  return {
    title: 'Trials (multi-trial episodes with reflection)',
    key: 'trials',
    collect: (store: RunStore, runId: string): TrialsData | undefined => {
      const trials = Number(store.getRun(runId).config.params.trials ?? 1)
      if (!(trials > 1)) return undefined
      const all = trialsOf(store, runId)
      return { byTrial: trialFigures(all), reflections: reflectionEffects(store, runId, all) }
    },
    render: (d: unknown) => {
      const x = d as TrialsData
      const trials = formatTable(
        ['trial', 'users', 'passed', 'pass rate', 'cumulative', 'avg rounds', 'satisfaction'],
        x.byTrial.map((f) => [f.trial + 1, f.users, f.passed, f.passRate.toFixed(3), f.cumulativePassRate.toFixed(3), f.avgRounds.toFixed(2), f.satisfaction.toFixed(3)]),
      )
      if (!x.reflections.length) return trials
      return `${trials}\n\nWhat the reflections named, and how the next trial went\n${formatTable(['diagnosis', 'lessons', 'next passed', 'next pass rate'], x.reflections.map((r) => [r.diagnosis, r.lessons, r.nextPassed, r.nextPassRate.toFixed(3)]))}`
    },
  }
}
