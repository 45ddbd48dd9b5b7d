/**
 * Hedged requests (Dean & Barroso, "The Tail at Scale"): when an attempt has been out
 * longer than nearly all recent answers took, a second attempt goes out (to whichever
 * endpoint the limiter picks) and the first answer wins; the other is aborted. One
 * stuck request (a server that hangs, a lost connection that is never reset) then costs
 * a round a hedge delay, not the whole per-attempt timeout.
 *
 * The delay follows the model's own latency: `factor` × the `quantile` of the last
 * answers' latencies (at least `minMs`). At most `budget` × the endpoints' limits are
 * hedges at any time (at least 8), so a server that is slow for everyone (queueing) is
 * not sent much more work on top.
 */
export interface HedgeSettings {
  enabled: boolean
  quantile: number
  factor: number
  minMs: number
  budget: number
}

/** Answers needed before the latency quantile is trusted enough to hedge on. */
const MIN_SAMPLES = 20
const WINDOW = 512
/**
 * Hedges that may always be out: requests that hang at random (a share of all of them)
 * are overdue a few at a time whatever the limit, and each needs its hedge at once, or
 * the calls behind wait out the attempt timeout after all.
 */
const MIN_HEDGES_OUT = 8

/** Latencies of recent successful attempts, per model: a ring of the last WINDOW. */
export class LatencyWindow {
  private readonly ring = new Float64Array(WINDOW)
  private n = 0
  private sorted: Float64Array | undefined

  add(ms: number): void {
    this.ring[this.n % WINDOW] = ms
    this.n++
    this.sorted = undefined
  }

  get count(): number {
    return Math.min(this.n, WINDOW)
  }

  /** The q-quantile of the window (nearest rank), or undefined before any sample. */
  quantile(q: number): number | undefined {
    const k = this.count
    if (!k) return undefined
    // Sorting 512 numbers costs microseconds; cache until the next sample.
    this.sorted ??= this.ring.slice(0, k).sort()
    return this.sorted[Math.min(k - 1, Math.max(0, Math.ceil(q * k) - 1))]
  }
}

/** When to hedge, per model, and whether another hedge may go out now. */
export class Hedger {
  private readonly windows = new Map<string, LatencyWindow>()
  private out = 0
  /** Hedges sent (for tests and reports). */
  sent = 0

  constructor(private readonly s: HedgeSettings) {}

  private window(model: string): LatencyWindow {
    let w = this.windows.get(model)
    if (!w) this.windows.set(model, (w = new LatencyWindow()))
    return w
  }

  /** A successful attempt's latency. */
  observe(model: string, ms: number): void {
    this.window(model).add(ms)
  }

  /** ms after an attempt is sent at which to hedge it; undefined = do not hedge (yet). */
  delay(model: string): number | undefined {
    if (!this.s.enabled) return undefined
    const w = this.window(model)
    if (w.count < MIN_SAMPLES) return undefined
    return Math.max(this.s.minMs, this.s.factor * w.quantile(this.s.quantile)!)
  }

  /**
   * Takes a hedge slot: at most `budget` × the requests the endpoints take at once (at
   * least 8) are hedges at any time. A bound on hedges in flight rather than a rate: when
   * stuck requests hold every slot no call finishes, and a budget earned per call would
   * run dry exactly then.
   */
  take(capacity: number): boolean {
    if (this.out >= Math.max(MIN_HEDGES_OUT, Math.floor(this.s.budget * capacity))) return false
    this.out++
    this.sent++
    return true
  }

  /** A hedge ended (answered, failed or cancelled). */
  done(): void {
    this.out--
  }
}
