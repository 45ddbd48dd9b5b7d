/** Stable codes: errors cross threads and BullMQ as JSON, so check `code`, not `instanceof`. */
export type SimErrorCode =
  | 'USAGE'
  | 'SCENARIO_NOT_FOUND'
  | 'SCENARIO_INVALID'
  | 'POLICY_UNKNOWN'
  | 'TASK_INPUT_INVALID'
  | 'TASK_OUTPUT_INVALID'
  | 'LLM_RATE_LIMITED'
  | 'LLM_UNAVAILABLE'
  | 'LLM_AUTH'
  | 'LLM_MODEL_NOT_FOUND'
  | 'STORE_UNAVAILABLE'
  | 'STORE_SCHEMA'
  | 'RUN_NOT_FOUND'
  | 'CHECKPOINT_MISSING'
  | 'CHECKPOINT_CONFLICT'
  | 'STALE_RESULT'
  | 'DATA_INVALID'
  /** An export found nothing of the requested kind in the run (it writes nothing). */
  | 'NO_DATA'
  | 'WORKER_MISMATCH'
  | 'SHARD_FAILED'
  | 'INTERNAL'

/** The one error class of the platform; the CLI maps `code` to a message and exit status. */
export class SimError extends Error {
  readonly code: SimErrorCode

  constructor(code: SimErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** Plain-object form for crossing thread and queue boundaries. */
export interface SerializedError {
  code: SimErrorCode
  message: string
  stack?: string
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return {
      code: typeof code === 'string' && isSimErrorCode(code) ? code : 'INTERNAL',
      message: err.message,
      stack: err.stack,
    }
  }
  return { code: 'INTERNAL', message: String(err) }
}

export function deserializeError(e: SerializedError): SimError {
  const err = new SimError(e.code, e.message)
  if (e.stack) err.stack = e.stack
  return err
}

const CODES = new Set<string>([
  'USAGE', 'SCENARIO_NOT_FOUND', 'SCENARIO_INVALID', 'POLICY_UNKNOWN', 'TASK_INPUT_INVALID',
  'TASK_OUTPUT_INVALID', 'LLM_RATE_LIMITED', 'LLM_UNAVAILABLE', 'LLM_AUTH', 'LLM_MODEL_NOT_FOUND',
  'STORE_UNAVAILABLE', 'STORE_SCHEMA', 'RUN_NOT_FOUND', 'CHECKPOINT_MISSING', 'CHECKPOINT_CONFLICT',
  'STALE_RESULT', 'DATA_INVALID', 'WORKER_MISMATCH', 'SHARD_FAILED', 'INTERNAL',
])

export function isSimErrorCode(code: string): code is SimErrorCode {
  return CODES.has(code)
}
