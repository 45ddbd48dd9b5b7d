import { z } from 'zod'
import type { RowBatch } from './outcome.ts'
import type { ChatMessage, TaskCallRecord } from './task.ts'

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
}

export const shardInputSchema = z
  .object({
    runId: z.string().min(1),
    round: z.number().int().nonnegative(),
    shard: z.number().int().nonnegative(),
    start: z.number().int().nonnegative(),
    end: z.number().int().positive(),
    states: z.string().nullable(),
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
  /** Actions the error-correction layers flagged and what became of them (src/correction). */
  corrections?: CorrectionRecord[]
}

/** One flagged action: what was wrong, the critique, the answer before and after. */
export interface CorrectionRecord {
  round: number
  agent: number
  task: string
  /** `output` (schema repair) or `agent` (a critic or the judge). */
  layer: 'output' | 'agent'
  /** Which critic (or `judge`, `schema-repair`) flagged it. */
  kind: string
  problem: string
  critique: string
  input?: unknown
  prompt?: ChatMessage[]
  before: unknown
  after: unknown
  /** Regenerations tried. */
  attempts: number
  /** Did the final answer pass the critics. */
  fixed: boolean
}
