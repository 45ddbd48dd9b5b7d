import type { OutcomeRow } from './outcome.ts'
import type { Catalog, Persona } from './types.ts'

/** A custom per-round metric computed from the round's outcome rows (in agent order). */
export type MetricFn<S = unknown> = (rows: readonly OutcomeRow[], ctx: MetricContext<S>) => number

/** What a custom metric sees besides the round's rows. Every list is aligned with `rows` (agent order). */
export interface MetricContext<S = unknown> {
  round: number
  catalog: Catalog
  /** The agents' own states after this round (episode bookkeeping lives there). */
  states: readonly S[]
  /** The policy's memory of each user after this round (what `recommend` returned as `memory`). */
  policyMemory: readonly unknown[]
  /** The persona of an agent (hidden ground truth included: metrics may check against it). */
  persona(agent: number): Persona
  /**
   * Each row's persona, hidden taste included (metrics per user group: split `rows` by a
   * persona field). Built on first use and kept for the run.
   */
  personas: readonly Persona[]
}
