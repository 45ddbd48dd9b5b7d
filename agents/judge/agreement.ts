/**
 * Agreement between two binary raters (the judge and the truth, or the judge and the
 * simulated users): accuracy and Cohen's κ = (p_o − p_e) / (1 − p_e).
 */
export class Agreement {
  private n = 0
  private agree = 0
  private aYes = 0
  private bYes = 0

  add(a: boolean, b: boolean): void {
    this.n++
    if (a === b) this.agree++
    if (a) this.aYes++
    if (b) this.bYes++
  }

  get count(): number {
    return this.n
  }

  accuracy(): number {
    return this.n ? this.agree / this.n : Number.NaN
  }

  /** κ; NaN without pairs, and 1 or 0 when both raters are constant (κ is undefined there). */
  kappa(): number {
    if (!this.n) return Number.NaN
    const po = this.agree / this.n
    const pa = this.aYes / this.n
    const pb = this.bYes / this.n
    const pe = pa * pb + (1 - pa) * (1 - pb)
    if (pe >= 1) return po === 1 ? 1 : 0
    return (po - pe) / (1 - pe)
  }
}
