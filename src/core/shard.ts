import { z } from 'zod'
import { messagesSchema, type Message } from './messages.ts'
import type { RowBatch } from './outcome.ts'
import type { TaskCallRecord } from './task.ts'

/** One shard's work in one round: a contiguous range of agents and their states. */
export interface ShardInput {
  runId: string
  round: number
  shard: number
  start: number
  end: number
  /**
   * The agents' states as a JSON array (one per agent in [start, end)), or null in the
   * first round (the shard builds initial states). The orchestrator never parses it:
   * it carries the text from one round to the next and into checkpoints.
   */
  states: string | null
  /** Messages sent last round to agents of this range, in canonical order (`to` cut to the range). */
  inbox?: Message[]
}

export const shardInputSchema = z
  .object({
    runId: z.string().min(1),
    round: z.number().int().nonnegative(),
    shard: z.number().int().nonnegative(),
    start: z.number().int().nonnegative(),
    end: z.number().int().positive(),
    states: z.string().nullable(),
    inbox: messagesSchema.optional(),
  })
  .refine((s) => s.end > s.start, { message: 'end must be greater than start' })

/** An agent whose step threw: recorded, isolated, its state left as it was. */
export interface AgentError {
  agent: number
  round: number
  message: string
}

export interface ShardResult {
  runId: string
  round: number
  shard: number
  start: number
  end: number
  rows: RowBatch
  /** New states, JSON (see ShardInput.states). */
  states: string
  /** Agents that were away (had left) before this round: the return-rate denominator. */
  awayBefore: number
  errors: AgentError[]
  taskCounts: Record<string, number>
  calls: TaskCallRecord[]
  /** Messages the shard's agents sent this round, by sender (delivered next round). */
  messages?: Message[]
  /**
   * What shard extensions collected (e.g. corrections). Features add their field to
   * `ShardExtras` by declaration merging, so the engine never names them.
   */
  extras?: ShardExtras
}

/**
 * Data shard extensions attach to a shard's result. Empty in the engine; each feature adds
 * its own optional field:
 *
 * @example
 * declare module '../core/shard.ts' {
 *   interface ShardExtras { corrections?: CorrectionRecord[] }
 * }
 */
export interface ShardExtras {}
