import type { ChatMessage } from '../core/index.ts'

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

declare module '../core/shard.ts' {
  interface ShardExtras {
    /** Actions the agent layer of error correction flagged in the shard, and what became of them. */
    corrections?: CorrectionRecord[]
  }
}
