import type { RoundFeedback } from '../../src/core/index.ts'

/**
 * What each user consumed, as a policy learned it (the warm-start log and every click
 * since): a built-in policy never recommends an item the user already consumed, the way
 * an offline evaluation excludes each user's training items. Kept per user in the
 * policy's state (structured-cloneable), shipped to shards as a compact CSR snapshot.
 */
export type Consumed = Map<number, number[]>

/** Adds the clicks of one round (or one warm-start batch) to `consumed`, in place. */
export function recordConsumed(consumed: Consumed, feedback: RoundFeedback): Consumed {
  for (const it of feedback.interactions) {
    if (it.clicks.length === 0) continue
    let list = consumed.get(it.agent)
    if (!list) consumed.set(it.agent, (list = []))
    for (const c of it.clicks) list.push(c)
  }
  return consumed
}

/** Every user's consumed items, as offsets into one array (sorted per user). */
export interface ConsumedSnapshot {
  agents: Int32Array
  offsets: Int32Array
  items: Int32Array
}

export function consumedSnapshot(consumed: Consumed): ConsumedSnapshot {
  const agents = Int32Array.from([...consumed.keys()].sort((a, b) => a - b))
  const offsets = new Int32Array(agents.length + 1)
  let total = 0
  agents.forEach((a, k) => {
    total += new Set(consumed.get(a)).size
    offsets[k + 1] = total
  })
  const items = new Int32Array(total)
  agents.forEach((a, k) => items.set([...new Set(consumed.get(a))].sort((x, y) => x - y), offsets[k]!))
  return { agents, offsets, items }
}

/** The items to leave out for a user: what it consumed plus its recent history. */
export function excludedFor(snap: ConsumedSnapshot, agent: number, history: readonly number[]): readonly number[] {
  let lo = 0
  let hi = snap.agents.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const a = snap.agents[mid]!
    if (a === agent) {
      const own = snap.items.subarray(snap.offsets[mid]!, snap.offsets[mid + 1]!)
      return history.length ? [...own, ...history] : Array.from(own)
    }
    if (a < agent) lo = mid + 1
    else hi = mid - 1
  }
  return history
}
