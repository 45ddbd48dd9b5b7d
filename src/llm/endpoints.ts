import type { EndpointLimit } from './limits.ts'
import type { EndpointSettings } from './settings.ts'

interface Health {
  limit: EndpointLimit
  failures: number
  /** performance.now() until which the endpoint is out of rotation; 0 = in rotation. */
  outUntil: number
  /** Consecutive times it was taken out (the wait doubles each time). */
  trips: number
  /** Let back in on probation: one request at a time until one succeeds. */
  probing: boolean
}

/**
 * Endpoint health for one process: an endpoint that fails `failures` times in a row
 * (5xx, network errors, timeouts; not 429, which means busy rather than broken) is taken
 * out, then let back in after a wait with a concurrency of one as a probe. A success
 * restores it; a failed probe takes it out again for twice as long (up to a minute).
 *
 * Taking an endpoint out only helps while another can take its calls. When every one is
 * out (always, with a single endpoint), all stay in rotation (as a load balancer's panic
 * mode does): otherwise every call of the run waits for one probe, and a probe that hangs
 * holds the whole run for an attempt timeout. The calls' own retries back off instead.
 */
export class EndpointPool {
  private readonly health: Health[]
  private readonly byId = new Map<string, Health>()

  constructor(
    endpoints: readonly EndpointSettings[],
    private readonly breaker: { failures: number; probeAfterMs: number },
    /** The endpoint's limit now, when it adapts (else its configured concurrency). */
    private readonly limitOf: (id: string) => number | undefined = () => undefined,
  ) {
    this.health = endpoints.map((e) => ({ limit: { id: e.url, concurrency: e.concurrency }, failures: 0, outUntil: 0, trips: 0, probing: false }))
    for (const h of this.health) this.byId.set(h.limit.id, h)
  }

  /** Endpoints that may take a call now, with their current concurrency. */
  available(now = performance.now()): EndpointLimit[] {
    if (this.allOut(now)) {
      for (const h of this.health) this.refresh(h)
      return this.health.map((h) => h.limit)
    }
    const out: EndpointLimit[] = []
    for (const h of this.health) {
      if (h.outUntil > now) continue
      if (h.outUntil !== 0) {
        h.outUntil = 0
        h.probing = true
      }
      if (h.probing) out.push({ id: h.limit.id, concurrency: 1 })
      else {
        this.refresh(h)
        out.push(h.limit)
      }
    }
    return out
  }

  /**
   * The limit objects handed out are the ones calls wait on in the limiter, so a limit
   * that adapts is updated in place: calls already waiting see the new limit at once.
   */
  private refresh(h: Health): void {
    const l = this.limitOf(h.limit.id)
    if (l !== undefined) h.limit.concurrency = l
  }

  /** An endpoint's adaptive limit changed. */
  limitChanged(id: string): void {
    const h = this.byId.get(id)
    if (h) this.refresh(h)
  }

  /** ms until the first endpoint out of rotation may be probed. */
  nextProbeIn(now = performance.now()): number {
    let min = Infinity
    for (const h of this.health) if (h.outUntil > now) min = Math.min(min, h.outUntil - now)
    return Number.isFinite(min) ? min : 0
  }

  success(id: string): void {
    const h = this.byId.get(id)
    if (!h) return
    h.failures = 0
    h.trips = 0
    h.probing = false
  }

  failure(id: string, now = performance.now()): void {
    const h = this.byId.get(id)
    if (!h) return
    h.failures++
    if (h.probing || h.failures >= this.breaker.failures) {
      h.trips++
      h.outUntil = now + Math.min(60_000, this.breaker.probeAfterMs * 2 ** (h.trips - 1))
      h.failures = 0
      h.probing = false
    }
  }

  /** Out of rotation, and another endpoint is not (see the class comment). */
  isOut(id: string, now = performance.now()): boolean {
    return (this.byId.get(id)?.outUntil ?? 0) > now && !this.allOut(now)
  }

  private allOut(now: number): boolean {
    return this.health.every((h) => h.outUntil > now)
  }

  /** For reports: which endpoints are out of rotation now. */
  outOfRotation(now = performance.now()): string[] {
    return this.health.filter((h) => h.outUntil > now).map((h) => h.limit.id)
  }
}
