/**
 * An endpoint's concurrency limit found from what its answers show, as TCP finds a
 * window (slow start, then a gradient limit like that of Netflix's concurrency-limits
 * library).
 *
 * - **Latency.** Answers are grouped in windows of about one limit's worth (at least 16).
 *   Each window's median latency, less the client's own event-loop lag over the window (a
 *   busy client is not a congested server; never below the floor), is compared with the floor: the lowest window median
 *   seen lately (a median, not the fastest answer, as answers of different lengths take
 *   different times). `gradient = min(1, tolerance × floor / median)`. Every 64 windows
 *   the floor is probed again (as BBR probes its minimum RTT): the limit is halved for two
 *   windows and the floor becomes the lowest median since the last probe, so a queue the
 *   limit itself keeps up is not taken for the server's latency, and a server that became
 *   slower for good is not read as congested forever.
 * - **Slow start.** The limit doubles each window that used most of it, until a window
 *   shows a queue (`limit × (1 − gradient)` above 6·log10 limit) twice in a row (one is
 *   forgiven: noise, or new connections being opened).
 * - **Then** each window moves the limit towards `limit × gradient + √limit`: up at once,
 *   down a fifth of the way (against noise, and the lag of answers sent under the old
 *   limit). With a server that queues past its capacity C this settles near
 *   `tolerance × C + √limit`. The limit grows only when a window used most of it.
 * - **429 or 503** for requests sent with more in flight than any answered in this or the
 *   last window (a refusal at a load the server just served is a rate window or a fault,
 *   not concurrency), at least twice and for at least a quarter of the requests sent at
 *   such loads in the window (chance refusals are a few of them; refusals past a server's
 *   capacity are most): the limit × 0.9 at once, at most once per half a limit of answers.
 *   Near the limit of the last refusal it then grows by 0.5 % of that limit per window,
 *   so a server that refuses rather than queues sees few refusals.
 *
 * A limit never exceeds the ceiling (--llm-concurrency) nor drops below 1.
 */
export interface AdaptiveSettings {
  /** Limit before anything is known. */
  initial: number
  /** Latency the server may add over its floor before it counts as queueing (1.1 = 10 %). */
  tolerance: number
}

/** An answer, a refusal (429/503) or another failure; inFlight counts this request. */
export type Sample = { kind: 'ok'; ms: number; inFlight: number } | { kind: 'overload'; inFlight: number } | { kind: 'other' }

const REFLOOR_WINDOWS = 64

export class AdaptiveLimit {
  private value: number
  private floor = Infinity
  private nextFloor = Infinity
  private windows = 0
  private slowStart = true
  /** The last window in slow start showed a queue. */
  private queuedOnce = false
  private samples: number[] = []
  private inWindow = 0
  private sinceCut = 0
  private maxInFlight = 0
  private prevMaxInFlight = 0
  /** Refusals in this window above the load last served. */
  private refusals = 0
  /** Requests sent in this window above the load last served. */
  private sentAbove = 0
  private phase: 'normal' | 'drain' | 'measure' = 'normal'
  /** The limit before a floor probe halved it. */
  private saved = 0
  /** The limit at the last 429/503, until the limit passes it without one. */
  private lastOverload: number | undefined
  /** Window-end limits, for tests and reports: [ms since start, limit]. */
  readonly trajectory: Array<[number, number]> = []
  private readonly t0 = performance.now()

  constructor(
    readonly ceiling: number,
    private readonly s: AdaptiveSettings,
    /** Called at each window's end with the new limit (e.g. to publish it to other workers). */
    private readonly onChange?: (limit: number) => void,
    /** The client's own event-loop lag since the last call (ms), taken out of the latency (see loop-lag.ts). */
    private readonly clientLag?: () => number,
  ) {
    this.value = Math.max(1, Math.min(ceiling, s.initial))
  }

  /** The current limit, a whole number of requests. */
  get limit(): number {
    return Math.max(1, Math.floor(this.value))
  }

  /** True until the first sign of queueing or overload. */
  get probing(): boolean {
    return this.slowStart
  }

  /** Adopts a limit learnt elsewhere (another worker): skips slow start. */
  adopt(limit: number): void {
    if (!(limit >= 1)) return
    this.value = Math.max(1, Math.min(this.ceiling, limit))
    this.slowStart = false
  }

  observe(s: Sample): void {
    if (s.kind === 'overload') {
      // Refused at a load the server just served: not about concurrency (a rate limit
      // window, a fault); at a load above any it served, it is.
      // Chance refusals are a few of the requests sent at that load; refusals past a
      // server's capacity are most of them.
      if (s.inFlight > this.served() && ++this.refusals >= 2 && this.refusals >= 0.25 * this.sentAbove) this.overload()
    } else if (s.kind === 'ok') {
      this.samples.push(s.ms)
      if (s.inFlight > this.maxInFlight) this.maxInFlight = s.inFlight
    }
    this.sinceCut++
    if (++this.inWindow >= Math.max(16, this.limit)) this.endWindow()
  }

  /** The most in flight that the server answered in this or the last window. */
  private served(): number {
    return Math.max(this.maxInFlight, this.prevMaxInFlight)
  }

  /** A request goes out with `inFlight` requests (itself included) in flight. */
  sent(inFlight: number): void {
    if (inFlight > this.served()) this.sentAbove++
  }

  /**
   * A 429/503: cut at once (not at the window's end: until the limit is lower, every
   * freed slot would take another refusal), at most once per half a limit of answers,
   * since the refusals of one burst arrive together.
   */
  private overload(): void {
    if (this.sinceCut < this.limit / 2) return
    this.lastOverload = this.value
    this.value = Math.max(1, this.value * 0.9)
    this.slowStart = false
    this.sinceCut = 0
    this.onChange?.(this.limit)
  }

  private endWindow(): void {
    const before = this.value
    if (this.samples.length) {
      const sorted = this.samples.sort((a, b) => a - b)
      const median = sorted[Math.floor(sorted.length / 2)]!
      const lag = this.clientLag?.() ?? 0
      this.nextFloor = Math.min(this.nextFloor, median)
      this.floor = Math.min(this.floor, median)
      if (this.phase === 'drain') {
        // Answers to requests sent before the cut: skip them.
        this.phase = 'measure'
        return this.closeWindow(before)
      }
      if (this.phase === 'measure') {
        // The floor is the lowest median since the last probe: this one, at half the load,
        // unless the server was faster earlier in the period.
        this.floor = this.nextFloor
        this.nextFloor = Infinity
        this.phase = 'normal'
        this.value = this.saved
        return this.closeWindow(before)
      }
      if (!this.slowStart && ++this.windows % REFLOOR_WINDOWS === 0) {
        // Probe the floor: half the limit for two windows, so that a queue the limit itself
        // keeps up is not taken for the server's own latency.
        this.saved = this.value
        this.value = Math.max(1, this.value / 2)
        this.phase = 'drain'
        return this.closeWindow(before)
      }
      // The floor learns from raw medians; the comparison leaves out the client's own lag.
      const gradient = Math.min(1, (this.s.tolerance * this.floor) / Math.max(this.floor, median - lag))
      const beta = Math.max(6, 6 * Math.log10(Math.max(10, this.value)))
      const queued = this.value * (1 - gradient) > beta
      const used = this.maxInFlight >= 0.8 * this.limit
      if (this.slowStart) {
        if (queued && !this.queuedOnce) this.queuedOnce = true
        else if (queued) {
          this.slowStart = false
          this.value = this.value * gradient + Math.sqrt(this.value)
        } else if (used) {
          this.queuedOnce = false
          this.value *= 2
        }
      } else {
        let target = this.value * gradient + Math.sqrt(this.value)
        if (target > this.value && !used) target = this.value
        if (target > this.value && this.lastOverload !== undefined) {
          // Near where the server last refused: creep (0.5 % of that limit a window).
          if (this.value >= 0.9 * this.lastOverload) target = Math.min(target, this.value + Math.max(0.05, this.lastOverload / 200))
          if (this.value > this.lastOverload * 1.05) this.lastOverload = undefined
        }
        // Down a fifth of the way per window (against noise and the lag of answers sent
        // before), up at once.
        this.value = target < this.value ? this.value + (target - this.value) / 5 : target
      }
    }
    this.closeWindow(before)
  }

  private closeWindow(before: number): void {
    this.value = Math.min(this.ceiling, this.value)
    this.samples = []
    this.inWindow = 0
    this.prevMaxInFlight = this.maxInFlight
    this.maxInFlight = 0
    this.refusals = 0
    this.sentAbove = 0
    this.trajectory.push([Math.round(performance.now() - this.t0), this.limit])
    if (this.trajectory.length > 4096) this.trajectory.splice(0, 2048)
    if (this.value !== before) this.onChange?.(this.limit)
  }
}
