/**
 * Every error code of the platform, with what follows from it. The one place that decides:
 * - `exit`: the CLI's exit status (2: what the user typed or pointed at is wrong; 1: something
 *   failed while running);
 * - `retry`: whether another attempt of the same shard job can succeed (BullMQ retries it,
 *   or fails the job at once when false);
 * - `user`: the user's own input or code is at fault (the message says what to fix);
 * - `fatal`: an agent step failing with it stops the shard (and the run) instead of being
 *   isolated as one agent's error: a refused API key or an unknown model fails every agent alike.
 * Codes are checked by `code`, not `instanceof`: errors cross threads and BullMQ as JSON.
 */
export const ERROR_CODES = {
  USAGE: { exit: 2, retry: false, user: true, fatal: false },
  SCENARIO_NOT_FOUND: { exit: 2, retry: false, user: true, fatal: false },
  SCENARIO_INVALID: { exit: 2, retry: false, user: true, fatal: false },
  POLICY_UNKNOWN: { exit: 2, retry: false, user: true, fatal: false },
  /** The scenario's own code (catalog, persona) threw or built something malformed. */
  SCENARIO_FAILED: { exit: 1, retry: false, user: true, fatal: true },
  /** More agent steps failed than the run's error limit allows (--max-agent-errors). */
  AGENT_ERRORS: { exit: 1, retry: false, user: true, fatal: false },
  /** A policy threw, or returned a slate that is not a list of distinct known items of at most k. */
  POLICY_FAILED: { exit: 1, retry: false, user: true, fatal: false },
  /** A policy served over the network did not answer (down, timing out, 5xx) after its retries. */
  POLICY_UNAVAILABLE: { exit: 1, retry: true, user: false, fatal: false },
  TASK_INPUT_INVALID: { exit: 1, retry: false, user: true, fatal: false },
  TASK_OUTPUT_INVALID: { exit: 1, retry: true, user: false, fatal: false },
  LLM_RATE_LIMITED: { exit: 1, retry: true, user: false, fatal: false },
  LLM_UNAVAILABLE: { exit: 1, retry: true, user: false, fatal: false },
  LLM_AUTH: { exit: 1, retry: false, user: true, fatal: true },
  LLM_MODEL_NOT_FOUND: { exit: 1, retry: false, user: true, fatal: true },
  STORE_UNAVAILABLE: { exit: 1, retry: false, user: false, fatal: false },
  STORE_SCHEMA: { exit: 1, retry: false, user: false, fatal: false },
  RUN_NOT_FOUND: { exit: 2, retry: false, user: true, fatal: false },
  /** Another live process holds the run's lease (it is still running). */
  RUN_BUSY: { exit: 1, retry: false, user: true, fatal: false },
  CHECKPOINT_MISSING: { exit: 1, retry: false, user: false, fatal: false },
  CHECKPOINT_CONFLICT: { exit: 1, retry: false, user: false, fatal: false },
  STALE_RESULT: { exit: 1, retry: false, user: false, fatal: false },
  DATA_INVALID: { exit: 2, retry: false, user: true, fatal: false },
  /** An export found nothing of the requested kind in the run (it writes nothing). */
  NO_DATA: { exit: 1, retry: false, user: false, fatal: false },
  WORKER_MISMATCH: { exit: 1, retry: false, user: true, fatal: false },
  SHARD_FAILED: { exit: 1, retry: true, user: false, fatal: false },
  INTERNAL: { exit: 1, retry: true, user: false, fatal: false },
} as const satisfies Record<string, ErrorCodeInfo>

/** What the platform does with an error of a code (see ERROR_CODES). */
export interface ErrorCodeInfo {
  exit: 1 | 2
  retry: boolean
  user: boolean
  fatal: boolean
}

export type SimErrorCode = keyof typeof ERROR_CODES

export function isSimErrorCode(code: string): code is SimErrorCode {
  return Object.hasOwn(ERROR_CODES, code)
}

/** The handling of any thrown value's code (unknown codes are INTERNAL). */
export function errorInfo(err: unknown): ErrorCodeInfo & { code: SimErrorCode } {
  const c = (err as { code?: unknown } | null | undefined)?.code
  const code: SimErrorCode = typeof c === 'string' && isSimErrorCode(c) ? c : 'INTERNAL'
  return { code, ...ERROR_CODES[code] }
}

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
  if (err instanceof Error) return { code: errorInfo(err).code, message: err.message, stack: err.stack }
  return { code: 'INTERNAL', message: String(err) }
}

export function deserializeError(e: SerializedError): SimError {
  const err = new SimError(e.code, e.message)
  if (e.stack) err.stack = e.stack
  return err
}
