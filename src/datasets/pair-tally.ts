/**
 * The bookkeeping every preference-pair export keeps: pairs kept, pairs dropped by
 * reason, and the verifier's gain of chosen over rejected. Its lines go into the dataset
 * card so that the card says what the data are, not what they were meant to be.
 */
export class PairTally {
  kept = 0
  readonly dropped = new Map<string, number>()
  private gainSum = 0
  private gains = 0
  /** Rule violations seen on the rejected side (they are why the pair exists; counted, not dropped). */
  readonly rejectedRules = new Map<string, number>()

  drop(reason: string): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1)
  }

  keep(gain: number): void {
    this.kept++
    this.gainSum += gain
    this.gains++
  }

  noteRejected(rules: readonly string[]): void {
    for (const r of rules) this.rejectedRules.set(r, (this.rejectedRules.get(r) ?? 0) + 1)
  }

  get droppedTotal(): number {
    let n = 0
    for (const v of this.dropped.values()) n += v
    return n
  }

  get meanGain(): number {
    return this.gains ? Math.round((this.gainSum / this.gains) * 1e4) / 1e4 : 0
  }

  /** The summary an export returns (and `--json` prints). */
  summary(): Record<string, unknown> {
    return { kept: this.kept, dropped: Object.fromEntries([...this.dropped].sort()), mean_gain: this.meanGain, rejected_rule_violations: Object.fromEntries([...this.rejectedRules].sort()) }
  }

  /** Card notes: the counts, by reason. */
  notes(what: string): string[] {
    const reasons = [...this.dropped].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    return [
      `${what}: kept ${this.kept}, dropped ${this.droppedTotal}${reasons.length ? ` (${reasons.map(([r, n]) => `${r}: ${n}`).join(', ')})` : ''}`,
      `mean verified gain of chosen over rejected: ${this.meanGain}`,
      ...(this.rejectedRules.size ? [`rules broken by the rejected turns: ${[...this.rejectedRules].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r}: ${n}`).join(', ')}`] : []),
    ]
  }
}

/** The plain sentence a card carries when a side of the data came from surrogates. */
export function surrogateWarning(models: readonly string[]): string[] {
  return models.some((m) => m === 'surrogate')
    ? ['**Surrogate data.** Some or all of these rows were written by usersim\'s deterministic surrogates, not by a language model: they test a training pipeline end to end and are not training data. Run the simulation (and the export) with `--llm` for that.']
    : []
}
