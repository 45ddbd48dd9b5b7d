import type { ShardResult } from '../core/index.ts'
import type { RunConfig } from '../config/index.ts'
import type { LlmSettings } from '../llm/settings.ts'
import type { RoundMetrics, RunSummary } from '../metrics/index.ts'
import type { RunStore } from '../store/index.ts'
import type { ShardExecutor } from './executor.ts'
import type { StatePart } from './state-parts.ts'

/** The named events of the round loop and what each carries. */
export interface RoundLoopEvents {
  /** Before the first round this invocation runs (0, or the round a resume continues at). */
  'run:start': { runId: string; config: RunConfig; fromRound: number }
  /** A shard's result was committed (results arrive in completion order). */
  'shard:committed': { round: number; shard: number; shardsDone: number; shards: number; agentsDone: number }
  /** A round was accepted by every gate, the policy learned from it, and its row is final. */
  'round:done': { round: number; metrics: RoundMetrics }
  /**
   * After a round is committed: the state a run continues from (checkpoints are written
   * here). `stopping` is true when the run stops after this round; `facts` are the run-level
   * facts extensions provide (see RoundLoop.fact).
   */
  'round:committed': {
    round: number
    states: readonly StatePart[]
    policyState: unknown
    rounds: readonly RoundMetrics[]
    exposure: Float64Array
    stopping: boolean
    facts: Readonly<Record<string, unknown>>
  }
  /** The run ended: finished all rounds, or stopped when asked (status interrupted). */
  'run:end': { runId: string; status: 'finished' | 'interrupted'; summary: RunSummary }
}

export type RoundLoopEvent = keyof RoundLoopEvents
export type RoundLoopHandler<E extends RoundLoopEvent> = (e: RoundLoopEvents[E]) => void | Promise<void>

/** What a gate sees of a measured round, before the policy learns from it. */
export interface MeasuredRound {
  round: number
  results: readonly ShardResult[]
  metrics: RoundMetrics
}

/**
 * A gate's verdict on a measured round: `accept` it, or `replay` it: its rows are deleted
 * and the round runs again (on whatever executor the gate switched to).
 */
export type RoundVerdict = 'accept' | 'replay'
export type RoundGate = (round: MeasuredRound) => RoundVerdict | Promise<RoundVerdict>

/**
 * What an extension sees of the run it is attached to: the run's identity and store,
 * the events to subscribe to, and the few levers the loop offers.
 */
export interface RoundLoop {
  readonly runId: string
  readonly config: RunConfig
  readonly store: RunStore
  /** The first round this invocation runs. */
  readonly fromRound: number
  /** Facts a previous invocation saved with the checkpoint this one resumes from (empty for a new run). */
  readonly resumedFacts: Readonly<Record<string, unknown>>
  on<E extends RoundLoopEvent>(event: E, handler: RoundLoopHandler<E>): void
  /** Sees every measured round before it is accepted (guards). */
  gate(gate: RoundGate): void
  /** A run-level fact saved with every checkpoint and handed back to a resume as `resumedFacts`. */
  fact(name: string, value: () => unknown): void
  /** The executor the next rounds run on. */
  readonly executor: ShardExecutor
  useExecutor(executor: ShardExecutor): void
  /** Starts an executor like the run's (same threads and extensions) on other task settings; the loop closes it. */
  startExecutor(llm: LlmSettings): Promise<ShardExecutor>
}

/**
 * A feature plugged into the round loop: it subscribes to events and registers gates
 * and facts when attached, once per invocation, before the first round.
 *
 * @example
 * const logRounds: RunExtension = {
 *   name: 'log-rounds',
 *   attach: (loop) => loop.on('round:done', ({ round, metrics }) => console.error(`round ${round}: CTR ${metrics.ctr}`)),
 * }
 */
export interface RunExtension {
  readonly name: string
  attach(loop: RoundLoop): void | Promise<void>
}

/** The loop's side of the events, gates and facts: a small typed bus. */
export class RoundLoopBus {
  private readonly handlers = new Map<RoundLoopEvent, Array<RoundLoopHandler<never>>>()
  readonly gates: RoundGate[] = []
  private readonly factFns = new Map<string, () => unknown>()

  on<E extends RoundLoopEvent>(event: E, handler: RoundLoopHandler<E>): void {
    const list = this.handlers.get(event) ?? []
    list.push(handler as RoundLoopHandler<never>)
    this.handlers.set(event, list)
  }

  /** Calls the event's handlers in the order they subscribed, awaiting each. */
  async emit<E extends RoundLoopEvent>(event: E, payload: RoundLoopEvents[E]): Promise<void> {
    for (const h of this.handlers.get(event) ?? []) await (h as RoundLoopHandler<E>)(payload)
  }

  /** Synchronous emit for events whose handlers must run before the loop goes on (shard commits). */
  emitSync<E extends RoundLoopEvent>(event: E, payload: RoundLoopEvents[E]): void {
    for (const h of this.handlers.get(event) ?? []) void (h as RoundLoopHandler<E>)(payload)
  }

  fact(name: string, value: () => unknown): void {
    this.factFns.set(name, value)
  }

  facts(): Record<string, unknown> {
    return Object.fromEntries([...this.factFns].map(([k, f]) => [k, f()]))
  }
}

/** Handlers by event name, for `onEvents`. */
export type RoundLoopHandlers = { [E in RoundLoopEvent]?: RoundLoopHandler<E> }

/**
 * An extension that only listens: handlers by event name.
 *
 * @example
 * const progress = onEvents('progress', { 'shard:committed': ({ round, agentsDone }) => console.error(round, agentsDone) })
 */
export function onEvents(name: string, handlers: RoundLoopHandlers): RunExtension {
  return {
    name,
    attach(loop) {
      for (const [event, handler] of Object.entries(handlers)) (loop.on as (e: string, h: unknown) => void)(event, handler)
    },
  }
}
