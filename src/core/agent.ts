import type { Rng } from './rng.ts'
import type { Treatment } from './policy.ts'
import type { TaskDef } from './task.ts'
import type { AgentState, Catalog, Persona, StepOutcome } from './types.ts'

/** Hidden ground truth the simulator (never the policy) may consult. */
export interface Truth {
  /** The true utility of an item for this agent, before noise. */
  utility(item: number): number
}

/** What an agent sees at the start of a round, before any slate. */
export interface VisitContext {
  persona: Persona
  state: AgentState
  round: number
  rng: Rng
}

/** What an agent gets for one step. Pure inputs only: randomness and tasks come in. */
export interface StepContext extends VisitContext {
  slate: readonly number[]
  catalog: Catalog
  truth: Truth
  /** Did the agent come back this round after having left. */
  returned: boolean
  /** The system's message this round (conversational policies), if any. */
  message?: string
  /** The system's per-user treatment this round (marketing: coupon, push, slot), if any. */
  treatment?: Treatment
  /** Runs a typed task (a model or its surrogate). */
  task<I, O>(def: TaskDef<I, O>, input: I): Promise<O>
}

/**
 * A simulated user: a pure step function over (persona, state, observation, rng,
 * task results). It must not read the clock, Math.random or do I/O.
 */
export interface AgentDef {
  name: string
  initialState(persona: Persona, rng: Rng): AgentState
  /** Does the agent show up this round (absent agents get no slate). */
  visit(ctx: VisitContext): boolean
  step(ctx: StepContext): Promise<StepOutcome>
}

/** Defines an agent; see agents/users/ailo for the built-in one. */
export function defineAgent(def: AgentDef): AgentDef {
  return def
}
