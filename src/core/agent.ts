import type { InboxMessage, OutgoingMessage } from './messages.ts'
import type { Rng } from './rng.ts'
import type { Treatment } from './policy.ts'
import type { TaskDef } from './task.ts'
import type { Catalog, Persona, SearchRequest, TrialView, Utterance } from './types.ts'

/** Hidden ground truth the simulator (never the policy) may consult. */
export interface Truth {
  /** The true utility of an item for this agent, before noise. */
  utility(item: number): number
}

/** What an agent sees at the start of a round, before any slate. */
export interface VisitContext<S = unknown> {
  persona: Persona
  state: S
  /** In a session: false after the agent left, until it comes back. */
  present: boolean
  round: number
  rng: Rng
}

/** What an agent gets for one step. Pure inputs only: randomness and tasks come in. */
export interface StepContext<S = unknown> {
  persona: Persona
  state: S
  round: number
  rng: Rng
  slate: readonly number[]
  catalog: Catalog
  truth: Truth
  /** Did the agent come back this round after having left. */
  returned: boolean
  /** The system's message this round (conversational policies), if any. */
  message?: string
  /** The system's per-user treatment this round (marketing: coupon, push, slot), if any. */
  treatment?: Treatment
  /** The system's explanation of each slate item (aligned with `slate`), if it gives them. */
  explanations?: readonly string[]
  /** What the user searched for this round (its `request`), if it searched. */
  search?: SearchRequest
  /** Runs a typed task (a model or its surrogate). */
  task<I, O>(def: TaskDef<I, O>, input: I): Promise<O>
  /**
   * Messages other agents sent this agent last round, by sender id (empty without a
   * social layer). See docs/social.md.
   */
  inbox?: readonly InboxMessage[]
  /** The agent's friends now (ascending ids): the social graph with its follows and unfollows. */
  neighbours?: readonly number[]
}

/** What an agent's `request` gets: its state before the round, seeded draws and tasks. */
export interface RequestContext<S = unknown> {
  persona: Persona
  state: S
  round: number
  rng: Rng
  catalog: Catalog
  task<I, O>(def: TaskDef<I, O>, input: I): Promise<O>
}

/** The result of one agent step, before it is stored. */
export interface StepOutcome<S = unknown> {
  state: S
  /** Item ids opened, in the order chosen (a subset of the slate). */
  clicks: number[]
  /** Ratings aligned with `clicks` (1–5). */
  ratings: number[]
  /**
   * The funnel past the click (e-commerce catalogs): items added to the cart, a subset of
   * `clicks`, and items ordered, a subset of `carts`. The runner drops ids outside them.
   */
  carts?: number[]
  orders?: number[]
  /** Satisfaction after this step, in [0, 1]. */
  satisfaction: number
  /** Left the session at the end of this step. */
  left: boolean
  utterances: Utterance[]
  /** Messages to other agents, delivered next round (`to` defaults to all neighbours). */
  messages?: OutgoingMessage[]
}

/**
 * A simulated user: a pure step function over (persona, state, observation, rng, task
 * results). It must not read the clock, Math.random or do I/O. `S` is the agent's own
 * state: any JSON-serialisable value. The runner keeps what it owns (whether the user is
 * in a session, the policy's memory, what the user said last) beside it, not in it.
 *
 * @example
 * const coinFlipper = defineAgent<{ clicks: number[] }>({
 *   name: 'coin-flipper',
 *   initialState: () => ({ clicks: [] }),
 *   history: (s) => s.clicks,
 *   visit: () => true,
 *   step: async ({ state, slate, rng }) => {
 *     const clicks = slate.filter(() => rng.next() < 0.1)
 *     return { state: { clicks: [...state.clicks, ...clicks].slice(-20) }, clicks, ratings: clicks.map(() => 4), satisfaction: 0.5, left: false, utterances: [] }
 *   },
 * })
 */
export interface AgentDef<S = unknown> {
  name: string
  initialState(persona: Persona, rng: Rng): S
  /**
   * The user's consumption history, oldest first (what a policy sees as `UserView.history`).
   * Keep it bounded: it is read every round.
   */
  history(state: S): readonly number[]
  /** A new user's first words, heard by the policy in round 0 (a conversational user's opening request). */
  opening?(state: S): Utterance[]
  /** Which trial of a multi-trial episode the user is in (handed to the policy as `UserView.trial`). */
  trial?(state: S): TrialView | undefined
  /** Satisfaction before the first step (default 0.5): what an absent user reports. */
  initialSatisfaction?: number
  /** Does the agent show up this round (absent agents get no slate). */
  visit(ctx: VisitContext<S>): boolean
  /**
   * A searching user's request this round, before the policy answers (undefined: it browses).
   * The policy sees it in `UserView.search`, the step in `StepContext.search`.
   */
  request?(ctx: RequestContext<S>): Promise<SearchRequest | undefined>
  step(ctx: StepContext<S>): Promise<StepOutcome<S>>
}

/** Defines an agent; see agents/users/ailo for the built-in one. */
export function defineAgent<S>(def: AgentDef<S>): AgentDef<S> {
  return def
}
