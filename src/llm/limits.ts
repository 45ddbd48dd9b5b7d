/**
 * Limits on model calls: a concurrency cap per endpoint, and token buckets for requests
 * and tokens per minute. The runner asks a limiter for a permit before each HTTP attempt
 * and releases it as soon as the attempt ends (success or failure), so a call that waits
 * to retry never holds a slot.
 *
 * The in-process limiter below holds for one process. A distributed implementation
 * (e.g. on Redis, so limits hold across BullMQ workers) implements the same interface:
 *
 * - `acquire` resolves once ALL of these hold: one of `endpoints` has fewer than its
 *   `concurrency` permits out (choose the one with the lowest in-flight ÷ concurrency,
 *   ties to fewer in flight, then list order); the request bucket has ≥ 1 request and
 *   the token bucket has ≥ `tokens`. It then takes 1 request, `tokens` tokens and one
 *   slot on the chosen endpoint, and returns which endpoint it chose.
 * - `release(permit, usedTokens)` frees the slot and corrects the token bucket by
 *   `usedTokens - permit.tokens` (the estimate was taken at acquire). It must be called
 *   exactly once per permit.
 * - If `signal` aborts while waiting, `acquire` rejects with the signal's reason and takes nothing.
 * - Waiters are served first come, first served.
 * - Buckets refill continuously (rpm / 60 000 per ms) up to one minute's worth.
 * An implementation may keep local state only as a cache; the counts that matter live
 * wherever all workers can see them. Permits that a crashed worker never released must
 * expire (e.g. a TTL a few times the call timeout).
 */
export interface LlmLimiter {
  acquire(request: PermitRequest): Promise<LlmPermit>
  release(permit: LlmPermit, usedTokens: number): void
  /** Permits out per endpoint id (for routing decisions and reports). */
  inFlight(endpoint: string): number
  /** A limiter shared across processes may hold the endpoint's adaptive limit that others found. */
  sharedLimit?(endpoint: string): Promise<number | undefined>
  /** Publishes the adaptive limit this process found for the endpoint. */
  shareLimit?(endpoint: string, limit: number): void
}

export interface EndpointLimit {
  /** Stable id of the endpoint (its base URL). */
  id: string
  /** Most requests in flight to this endpoint at once. */
  concurrency: number
}

export interface PermitRequest {
  /** Endpoints that may take the call (the healthy ones), in preference order. */
  endpoints: readonly EndpointLimit[]
  /** Estimated tokens of the call (prompt + expected completion). */
  tokens: number
  signal?: AbortSignal
}

export interface LlmPermit {
  endpoint: string
  tokens: number
  /**
   * Permits out on the endpoint when this one was granted, itself included: the load the
   * request met (read later, the count would include permits granted after it in the same
   * burst). The adaptive limit places refusals by it.
   */
  inFlight?: number
}

export interface RateLimits {
  /** Requests per minute across all endpoints; undefined = unlimited. */
  rpm?: number
  /** Tokens per minute across all endpoints; undefined = unlimited. */
  tpm?: number
}

interface Waiter {
  req: PermitRequest
  resolve: (p: LlmPermit) => void
  reject: (e: unknown) => void
  done: boolean
}

/** A token bucket refilled continuously, holding at most one minute's budget. */
class Bucket {
  private level: number
  private last = performance.now()
  constructor(private readonly perMinute: number) {
    this.level = perMinute
  }
  private refill(): void {
    const now = performance.now()
    this.level = Math.min(this.perMinute, this.level + ((now - this.last) * this.perMinute) / 60_000)
    this.last = now
  }
  /** ms until `n` is available (0 = now); n above the capacity waits for a full bucket. */
  waitFor(n: number): number {
    this.refill()
    const need = Math.min(n, this.perMinute) - this.level
    return need <= 0 ? 0 : Math.ceil((need * 60_000) / this.perMinute)
  }
  take(n: number): void {
    this.level -= n
  }
  give(n: number): void {
    this.level = Math.min(this.perMinute, this.level + n)
  }
}

/**
 * The limiter for one process: first come, first served over endpoints and buckets.
 *
 * @example
 * const limiter = inProcessLimiter({ rpm: 600 })
 * const permit = await limiter.acquire({ endpoints: [{ id: 'http://a/v1', concurrency: 64 }], tokens: 900 })
 * try { await callModel(permit.endpoint) } finally { limiter.release(permit, 850) }
 */
export function inProcessLimiter(rates: RateLimits = {}): LlmLimiter {
  const flights = new Map<string, number>()
  const requests = rates.rpm ? new Bucket(rates.rpm) : undefined
  const tokens = rates.tpm ? new Bucket(rates.tpm) : undefined
  const queue: Waiter[] = []
  let head = 0
  let timer: NodeJS.Timeout | undefined

  const pick = (eps: readonly EndpointLimit[]): EndpointLimit | undefined => {
    let best: EndpointLimit | undefined
    let bestLoad = Infinity
    let bestN = Infinity
    for (const e of eps) {
      const n = flights.get(e.id) ?? 0
      if (n >= e.concurrency) continue
      const load = n / e.concurrency
      if (load < bestLoad || (load === bestLoad && n < bestN)) {
        best = e
        bestLoad = load
        bestN = n
      }
    }
    return best
  }

  /** Grants what it can, in order; a waiter blocked on a bucket blocks those behind it (FIFO). */
  const pump = () => {
    while (head < queue.length) {
      const w = queue[head]!
      if (w.done) {
        head++
        continue
      }
      const ep = pick(w.req.endpoints)
      if (!ep) {
        // This waiter's endpoints are full; a later waiter may target others (if any has room).
        if (!anyRoom() || !grantLater(head + 1)) break
        continue
      }
      const wait = Math.max(requests?.waitFor(1) ?? 0, tokens?.waitFor(w.req.tokens) ?? 0)
      if (wait > 0) {
        if (!timer) {
          timer = setTimeout(() => ((timer = undefined), pump()), wait)
          timer.unref() // a refill timer alone must not keep a finished process alive
        }
        break
      }
      head++
      grant(w, ep)
    }
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head)
      head = 0
    }
  }

  /** Latest known limit per endpoint: lets `pump` stop at once when every endpoint is full. */
  const limits = new Map<string, EndpointLimit>()
  const anyRoom = () => {
    for (const [id, e] of limits) if ((flights.get(id) ?? 0) < e.concurrency) return true
    return false
  }

  /** Looks past a head blocked on full endpoints for a waiter that can go now. */
  const grantLater = (from: number): boolean => {
    for (let i = from; i < Math.min(queue.length, from + 64); i++) {
      const w = queue[i]!
      if (w.done) continue
      const ep = pick(w.req.endpoints)
      if (!ep) continue
      if ((requests?.waitFor(1) ?? 0) > 0 || (tokens?.waitFor(w.req.tokens) ?? 0) > 0) return false
      grant(w, ep)
      return true
    }
    return false
  }

  const grant = (w: Waiter, ep: EndpointLimit) => {
    w.done = true
    const n = (flights.get(ep.id) ?? 0) + 1
    flights.set(ep.id, n)
    requests?.take(1)
    tokens?.take(w.req.tokens)
    w.resolve({ endpoint: ep.id, tokens: w.req.tokens, inFlight: n })
  }

  return {
    acquire(req) {
      if (req.signal?.aborted) return Promise.reject(req.signal.reason)
      if (!req.endpoints.length) return Promise.reject(new Error('no endpoint to acquire a permit on'))
      return new Promise<LlmPermit>((resolve, reject) => {
        const w: Waiter = { req, resolve, reject, done: false }
        for (const e of req.endpoints) limits.set(e.id, e)
        queue.push(w)
        req.signal?.addEventListener(
          'abort',
          () => {
            if (w.done) return
            w.done = true
            reject(req.signal!.reason)
            pump()
          },
          { once: true },
        )
        pump()
      })
    },
    release(permit, used) {
      flights.set(permit.endpoint, Math.max(0, (flights.get(permit.endpoint) ?? 0) - 1))
      if (tokens && used !== permit.tokens) {
        if (used > permit.tokens) tokens.take(used - permit.tokens)
        else tokens.give(permit.tokens - used)
      }
      pump()
    },
    inFlight: (endpoint) => flights.get(endpoint) ?? 0,
  }
}
