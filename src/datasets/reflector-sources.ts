import type { RunStore } from '../store/index.ts'

/** A reflector row from outside the multi-trial episodes (e.g. a critic's critique that led to a regenerated answer). */
export interface ExtraReflectorRow {
  source: string
  episode: string
  agent: number
  round: number
  trial: number
  input: string
  output: string
  last_reward: number
  current_reward: number
  meta: Record<string, unknown>
}

type Source = (store: RunStore, runId: string) => ExtraReflectorRow[]
const sources = new Map<string, Source>()

/**
 * Adds rows to the reflector file of `export --format trajectories`. The error-correction
 * layer registers its critique → regenerate records here: they are reflections too.
 */
export function registerReflectorSource(name: string, source: Source): void {
  sources.set(name, source)
}

export function extraReflectorRows(store: RunStore, runId: string): ExtraReflectorRow[] {
  return [...sources.values()].flatMap((s) => s(store, runId))
}
