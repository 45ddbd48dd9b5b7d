import { SimError } from '../core/index.ts'
import type { RoundMetrics } from '../metrics/index.ts'
import type { RunStore } from '../store/index.ts'

/**
 * Fails the run once more than `limit` of its agent-steps so far threw. A step that
 * throws leaves a row with no clicks, so a run of failing agents would otherwise end with
 * a believable table (satisfaction 0.5, CTR 0); the error names the first failures and
 * where in the user's code they were thrown (their messages carry it, see run-shard).
 */
export function checkAgentErrors(store: RunStore, runId: string, rounds: readonly RoundMetrics[], limit: number): void {
  let errors = 0
  let steps = 0
  for (const m of rounds) {
    errors += m.errors ?? 0
    steps += m.present
  }
  if (errors === 0 || errors <= limit * steps) return
  const { first } = store.agentErrors(runId, 3)
  const share = errors / Math.max(1, steps)
  throw new SimError(
    'AGENT_ERRORS',
    [
      `${errors.toLocaleString('en-US')} of ${steps.toLocaleString('en-US')} agent-steps threw (${(100 * share).toFixed(1)}%, more than the limit of ${+(100 * limit).toFixed(2)}%; --max-agent-errors sets it). First errors:`,
      ...first.map((e) => `  round ${e.round}, agent ${e.agent}: ${e.message}`),
    ].join('\n'),
  )
}
