import type { RunStore } from '../../store/index.ts'

/** One section of `usersim show` (LLM usage, checkpoints, corrections, ...). */
export interface ShowSection {
  title: string
  /** JSON key under which the data appears with --json. */
  key: string
  /** The section's data, or undefined when the run has nothing for it (the section is left out). */
  collect(store: RunStore, runId: string): unknown | undefined
  render(data: unknown): string
}
