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
 * - **429 or 503.** A server that refuses past its capacity C (hosted APIs) instead of
 *   queueing shows no latency signal, only refusals, and every slot above C churns them:
 *   a refusal frees its slot at once, for the next request to be refused too. So the
 *   limit must sit at C, not above it, as TCP's window sits under ssthresh:
 *   - A refusal counts if it was sent at or under the limit now (one sent above it
 *     predates the last cut, which it caused). A window is **overloaded** once its
 *     refusals pass `expected + 4·√expected + 2` (so at least 3), where `expected` is its
 *     requests × the **noise**: the share refused in recent windows without overload
 *     under the plateau, or before there is one (a rate window or faults refuse at any
 *     load, and must not talk the limit down; at the plateau a few refusals may be the
 *     capacity's, and learning them as noise would let the limit creep over it).
 *     This is checked at each refusal, not at the window's end: until the limit is
 *     lower, every freed slot takes another refusal. Until the noise is learnt (8
 *     windows), a refusal at a load answered in this or the last window, or before
 *     anything was answered, does not count (it is noise).
 *   - On overload, the **plateau** (like CUBIC's W_max) becomes one under the lowest load
 *     refused (requests in flight when it was granted, itself included: more than C
 *     were out), but never under the last used window that saw no more refusals than
 *     the noise, and always under the limit, so each overload lowers it. The limit drops under the
 *     plateau by as much as it was over it, at most 10 % (draining what was sent over it:
 *     a slow start that doubled past C drains 10 %, a failed probe of one request one)
 *     and never over the last used window that saw no more refusals than the noise (the
 *     requests of one burst reach the server in any order, so after a slow start that
 *     doubled past C the lowest load refused is a rough bound; this stops the churn at
 *     once), stays there two windows (which measure the noise at a load known to be safe), then
 *     grows back to the plateau, not past it. Slow start ends.
 *   - After `wait` used windows at the plateau without overload (32 after the first
 *     overload, doubled by each failed probe, at most 512, and back to 32 at least after
 *     an overload at the plateau), the limit **probes** `step` above it (1 at first).
 *     Two clean windows there make it the plateau, double the step and halve the wait
 *     (at least 2), so a server that gained capacity is found again;
 *     a failed probe costs the three refusals that end it. In steady state refusals are
 *     a few per probe, and probes grow rare.
 *   - A plateau set before the noise was known, by fewer refusals than the noise now
 *     explains, is dropped.
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

/**
 * More refusals among `n` requests than a share `noise` of them explains: over the
 * expected count by 4 of its standard deviations (Poisson) and 2, so at least 3 (checked
 * at each refusal, chance passes it in under 0.1 % of windows once the noise is known).
 */
function beyondChance(refusals: number, n: number, noise: number): boolean {
  const expected = noise * n
  return refusals > expected + 4 * Math.sqrt(expected) + 2
}

const REFLOOR_WINDOWS = 64
/** Windows before the noise share is trusted on its own (an average over about four windows). */
const NOISE_WINDOWS = 8
/** Windows at the plateau before the first probe after an overload. */
const FIRST_WAIT = 32
const MIN_WAIT = 2
const MAX_WAIT = 512
/** Windows under the plateau after an overload, before growing back to it. */
const HOLD_WINDOWS = 2
/** Clean windows at a probe level that make it the plateau. */
const PROBE_WINDOWS = 2

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
  private maxInFlight = 0
  /** The most in flight answered in the last window. */
  private prevMaxInFlight = 0
  /** Windows the noise has learnt from. */
  private noiseWindows = 0
  /** Refusals in this window set aside as at a load the server served (before the noise is learnt). */
  private ignored = 0
  /** Refusals in this window (sent at or under the limit). */
  private refusals = 0
  /** The lowest load (requests in flight) refused in this window. */
  private minRefused = Infinity
  /** Share of requests refused lately in windows without overload under the plateau: refusals that are not about concurrency. */
  private noise = 0
  private phase: 'normal' | 'drain' | 'measure' = 'normal'
  /** The limit before a floor probe halved it. */
  private saved = 0
  /** The highest limit known not to draw refusals (undefined before the first overload). */
  private plateau: number | undefined
  /** Windows at the plateau to wait before the next probe above it. */
  private wait = FIRST_WAIT
  /** How far above the plateau the next probe goes. */
  private step = 1
  /** Clean, used windows at the plateau since the last overload or probe. */
  private clean = 0
  /** The limit of the last used window with no more refusals than the noise. */
  private lastGood = 0
  /** Windows to stay under the plateau after an overload (they measure the noise at a load known to be safe). */
  private hold = 0
  /** Clean windows at the probe level so far. */
  private probeOk = 0
  /** The window that set the plateau: its refusals, requests and the noise share then. */
  private cause = { refusals: 0, n: 0, noise: 0 }
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
    // A refusal that may mean the server lacks room (see noise below).
    let counted = false
    if (s.kind === 'overload') {
      // Sent above the limit now: before the last cut, which it already caused.
      if (s.inFlight > this.limit) return
      // Until the noise is learnt: refused at a load the server answered in this or the
      // last window is not for want of room (a rate window, a fault). Without this, a few
      // random 429s in the first windows read as overload and talk the limit down to a few
      // requests, where it takes minutes to probe back. (Later the noise test decides: at
      // the plateau, answers read late make the load served a loose bound.)
      // Nor is a refusal before anything was answered in this or the last window: it shows
      // no load the server could not take (429s come back first, before any answer, so a
      // rate window can refuse the first few requests of a run).
      const served = Math.max(this.maxInFlight, this.prevMaxInFlight)
      if (this.noiseWindows < NOISE_WINDOWS && (served === 0 || s.inFlight <= served)) this.ignored++
      else {
        counted = true
        this.refusals++
        if (s.inFlight < this.minRefused) this.minRefused = s.inFlight
      }
    } else if (s.kind === 'ok') {
      this.samples.push(s.ms)
      if (s.inFlight > this.maxInFlight) this.maxInFlight = s.inFlight
    }
    this.inWindow++
    // Checked at each refusal, not at the window's end: until the limit is lower, every
    // freed slot takes another refusal.
    // (Not while the floor is probed at half the limit: refusals there are not for want of room.)
    if (counted && this.phase === 'normal' && this.overloaded()) return this.overload()
    if (this.inWindow >= Math.max(16, this.limit)) this.endWindow()
  }

  /** More refusals in this window than chance (the noise share) explains. */
  private overloaded(): boolean {
    return beyondChance(this.refusals, this.inWindow, this.noise)
  }

  /**
   * The server refuses for want of room: the plateau goes to one under the lowest load it
   * refused, the limit under it (draining what is out), and the next probe above the
   * plateau waits longer. Starts a new window.
   */
  private overload(): void {
    const before = this.value
    // A failed probe makes the next one wait twice as long; an overload at the plateau (still
    // over the capacity, or the client's count ran less ahead of the server's) undoes the
    // speed-up that successful probes earned.
    if (this.plateau === undefined) this.wait = FIRST_WAIT
    else if (this.limit > this.plateau) this.wait = Math.min(MAX_WAIT, this.wait * 2)
    else this.wait = Math.max(FIRST_WAIT, this.wait)
    this.plateau = Math.max(1, Math.min(this.limit - 1, Math.max(this.minRefused - 1, this.lastGood)))
    this.cause = { refusals: this.refusals, n: this.inWindow, noise: this.noise }
    this.step = 1
    this.clean = 0
    this.probeOk = 0
    this.hold = HOLD_WINDOWS
    // Under the plateau by as much as the limit was over it, at most 10 %: that drains
    // what a queue in front of the server holds, and costs little when a probe of one failed.
    // Never over the last load served cleanly: after a slow start that doubled past the
    // capacity, the lowest load refused is a rough bound (the requests of one burst reach
    // the server in any order), and the churn over the capacity stops at once.
    const drained = Math.max(this.plateau * 0.9, this.plateau - (this.limit - this.plateau))
    this.value = Math.max(1, this.lastGood > 0 ? Math.min(drained, this.lastGood) : drained)
    this.slowStart = false
    this.closeWindow(before)
  }

  private endWindow(): void {
    const before = this.value
    // A window without overload under the plateau (or before there is one): its refusals
    // are the noise that any load draws. (At the plateau a few refusals may be the capacity's.)
    if (this.plateau === undefined || this.limit < this.plateau || this.phase !== 'normal') {
      // Every refusal of the window is noise here, those the load served set aside included.
      this.noise += ((this.refusals + this.ignored) / this.inWindow - this.noise) / 4
      this.noiseWindows++
    }
    const clean = this.refusals <= this.noise * this.inWindow
    const c = this.cause
    if (this.plateau !== undefined && this.noise > 2 * c.noise + 0.01 && !beyondChance(c.refusals, c.n, this.noise)) {
      // The overload that set the plateau was judged before the noise was known, and the
      // noise explains it: refusals that come at any load, not a capacity.
      this.plateau = undefined
    }
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
      if (used && clean) this.lastGood = this.limit
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
        if (this.plateau !== undefined) target = Math.min(target, this.refusalCap(used))
        // Down a fifth of the way per window (against noise and the lag of answers sent
        // before), up at once.
        this.value = target < this.value ? this.value + (target - this.value) / 5 : target
      }
    }
    this.closeWindow(before)
  }

  /**
   * The most the limit may grow to after a clean window, once refusals showed a plateau:
   * the plateau, or a probe above it after `wait` clean windows there; a probe level
   * that stayed clean for PROBE_WINDOWS becomes the plateau.
   */
  private refusalCap(used: boolean): number {
    const plateau = this.plateau!
    if (this.hold > 0) {
      this.hold--
      return Math.min(this.value, plateau)
    }
    if (this.limit > plateau) {
      if (++this.probeOk < PROBE_WINDOWS) return this.value
      this.plateau = this.limit
      this.step *= 2
      this.wait = Math.max(MIN_WAIT, this.wait / 2)
      this.probeOk = 0
      this.clean = 0
      return this.plateau
    }
    if (this.limit < plateau || !used) return plateau
    if (++this.clean < this.wait) return plateau
    this.clean = 0
    return plateau + this.step
  }

  private closeWindow(before: number): void {
    this.value = Math.min(this.ceiling, this.value)
    this.samples = []
    this.inWindow = 0
    this.prevMaxInFlight = this.maxInFlight
    this.maxInFlight = 0
    this.refusals = 0
    this.ignored = 0
    this.minRefused = Infinity
    this.trajectory.push([Math.round(performance.now() - this.t0), this.limit])
    if (this.trajectory.length > 4096) this.trajectory.splice(0, 2048)
    if (this.value !== before) this.onChange?.(this.limit)
  }
}
