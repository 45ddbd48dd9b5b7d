/**
 * How late this thread's callbacks run: a timer every `everyMs` adds how much later than
 * asked it fired. A response that arrived while the event loop was busy waits about as
 * long before its callback sees it, so that wait is the client's, not the server's, and
 * the adaptive limit takes it out of its latency samples (a busy client must not read
 * as a congested server).
 */
export class LoopLag {
  private sum = 0
  private n = 0
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly everyMs = 20) {}

  start(): this {
    if (this.timer) return this
    let due = performance.now() + this.everyMs
    const tick = () => {
      const now = performance.now()
      this.sum += Math.max(0, now - due)
      this.n++
      due = now + this.everyMs
      this.timer = setTimeout(tick, this.everyMs)
      this.timer.unref()
    }
    this.timer = setTimeout(tick, this.everyMs)
    this.timer.unref()
    return this
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }

  /** A reader: each call gives the mean lag (ms) since its previous call. */
  reader(): () => number {
    let sum = this.sum
    let n = this.n
    return () => {
      const d = this.n - n
      const mean = d > 0 ? (this.sum - sum) / d : 0
      sum = this.sum
      n = this.n
      return mean
    }
  }
}
