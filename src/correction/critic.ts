/** What a critic found wrong with one action. */
export interface Verdict {
  /** The critic's name (stored as the correction's kind). */
  kind: string
  /** What was wrong, for the record. */
  problem: string
  /** Said back to the agent (the reflection prompt): what to fix. */
  critique: string
}

/**
 * A consistency check on one task's output given its input. Pure and cheap: it runs on
 * every action. `repair` (optional) is the last resort when reflection does not fix it.
 *
 * @example
 * registerCritic('rate-item', {
 *   name: 'rating-range',
 *   check: (_input, out: { rating: number }) =>
 *     out.rating === 3 ? { kind: 'rating-range', problem: 'always neutral', critique: 'Commit to an opinion.' } : null,
 * })
 */
export interface Critic<I = any, O = any> {
  name: string
  check(input: I, output: O): Verdict | null
  repair?(input: I, output: O): O
}

const registry = new Map<string, Critic[]>()

/**
 * Adds a critic for a task (by name), or for every task with `'*'`. Scenarios call this
 * at module load, so the critics exist in every thread and worker that loads them.
 */
export function registerCritic(task: string, critic: Critic): void {
  const list = registry.get(task) ?? []
  if (list.some((c) => c.name === critic.name)) return
  list.push(critic)
  registry.set(task, list)
}

/** The critics that apply to a task: its own, then the ones for every task. */
export function criticsFor(task: string): readonly Critic[] {
  return [...(registry.get(task) ?? []), ...(registry.get('*') ?? [])]
}

/** The first verdict of a list of critics, or null when the action passes. */
export function review(critics: readonly Critic[], input: unknown, output: unknown): { verdict: Verdict; critic: Critic } | null {
  for (const critic of critics) {
    const verdict = critic.check(input, output)
    if (verdict) return { verdict, critic }
  }
  return null
}
