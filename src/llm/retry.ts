import { SimError } from '../core/index.ts'

/** What to do about a failed HTTP attempt. */
export type Failure =
  | {
      kind: 'retry'
      reason: 'rate-limit' | 'server' | 'network' | 'timeout'
      retryAfterMs?: number
      message: string
      /** The server says it has too much to do (429, 503): the adaptive limit backs off. */
      overload?: boolean
    }
  /** The server refused the structured-output format: switch to JSON mode and try again. */
  | { kind: 'format'; message: string }
  /** Stops the whole run (bad key, unknown model). */
  | { kind: 'fatal'; error: SimError }
  /** This call cannot succeed (e.g. a 400 for a too-long prompt); the agent's step fails alone. */
  | { kind: 'call'; message: string }
  /** The answer arrived but is not JSON (the openai SDK parses json_schema answers itself): repair it. */
  | { kind: 'invalid-json'; message: string }

/** Thrown by the runner's own timer, so a timeout is told apart from other aborts. */
export class AttemptTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`)
    this.name = 'AttemptTimeout'
  }
}

function header(err: Record<string, unknown>, name: string): string | undefined {
  const h = err.headers as { get?: (k: string) => string | null } | Record<string, string> | undefined
  if (!h) return undefined
  if (typeof (h as { get?: unknown }).get === 'function') return (h as { get: (k: string) => string | null }).get(name) ?? undefined
  return (h as Record<string, string>)[name]
}

/** Retry-After (seconds or an HTTP date) or retry-after-ms, in ms. */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  if (!err || typeof err !== 'object') return undefined
  const e = err as Record<string, unknown>
  const ms = header(e, 'retry-after-ms')
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms))
  const ra = header(e, 'retry-after')
  if (!ra) return undefined
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Math.max(0, Number(ra) * 1000)
  const at = Date.parse(ra)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'])

function causeCode(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== 'object' || depth > 4) return undefined
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return code
  return causeCode((err as { cause?: unknown }).cause, depth + 1)
}

/**
 * Classifies an error from a LangChain chat model (ChatOpenAI wraps the openai SDK's
 * errors, which carry `status` and `headers`) or from our own timeout.
 */
export function classify(err: unknown, ctx: { endpoint: string; model: string }): Failure {
  const e = (err && typeof err === 'object' ? err : { message: String(err) }) as Record<string, unknown>
  const message = String(e.message ?? err)
  if (err instanceof AttemptTimeout || e.name === 'TimeoutError' || e.name === 'APIConnectionTimeoutError') {
    return { kind: 'retry', reason: 'timeout', message }
  }
  if (e.name === 'SyntaxError') return { kind: 'invalid-json', message }
  const status = typeof e.status === 'number' ? e.status : undefined
  if (status === 401 || status === 403) {
    return {
      kind: 'fatal',
      error: new SimError('LLM_AUTH', `${ctx.endpoint} refused the API key (HTTP ${status}: ${message}); set OPENAI_API_KEY to a key this server accepts`),
    }
  }
  if (status === 404) {
    return {
      kind: 'fatal',
      error: new SimError('LLM_MODEL_NOT_FOUND', `${ctx.endpoint} does not serve model "${ctx.model}" (HTTP 404: ${message}); check --model / --task-model and --base-url`),
    }
  }
  if (status === 429) return { kind: 'retry', reason: 'rate-limit', retryAfterMs: retryAfterMs(err), message, overload: true }
  if (status === 408 || status === 409 || (status !== undefined && status >= 500)) {
    return { kind: 'retry', reason: 'server', retryAfterMs: retryAfterMs(err), message: `HTTP ${status}: ${message}`, overload: status === 503 }
  }
  if (status === 400 || status === 422) {
    if (/response_format|json_schema|structured|guided/i.test(message)) return { kind: 'format', message }
    return { kind: 'call', message: `HTTP ${status}: ${message}` }
  }
  if (status !== undefined) return { kind: 'call', message: `HTTP ${status}: ${message}` }
  const code = causeCode(err)
  if (code || e.name === 'APIConnectionError' || /connection error|fetch failed|socket hang up|ECONNRESET|\bterminated\b/i.test(message)) {
    return { kind: 'retry', reason: 'network', message: code ? `${message} (${code})` : message }
  }
  if (e.name === 'AbortError') return { kind: 'retry', reason: 'timeout', message }
  return { kind: 'call', message }
}

/**
 * Exponential backoff with full jitter: a uniform draw in [base·2^(n-1) / 2, base·2^(n-1)],
 * capped, and never shorter than the server's Retry-After.
 */
export function backoffMs(attempt: number, retryAfter: number | undefined, opts: { baseMs?: number; capMs?: number } = {}): number {
  const base = opts.baseMs ?? 200
  const cap = opts.capMs ?? 20_000
  const exp = Math.min(cap, base * 2 ** Math.max(0, attempt - 1))
  const jittered = exp / 2 + Math.random() * (exp / 2)
  return Math.max(jittered, retryAfter ?? 0)
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
