import { definePolicy, type Policy } from '../../src/core/index.ts'
import { rankByScore, takeRanked } from './popularity.ts'
import { consumedSnapshot, excludedFor, recordConsumed, type Consumed, type ConsumedSnapshot } from './consumed.ts'

export interface CooccurrenceState {
  /** counts.get(a).get(b): users who consumed a and b close together. */
  counts: Map<number, Map<number, number>>
  clicks: Float64Array
  /** Each user's last consumed items, newest last. */
  lastClicks: Map<number, number[]>
  neighbours: number
  userWindow: number
  consumed: Consumed
}

export interface CooccurrenceSnapshot {
  /** `neighbours` ids per item (-1 padded) and their scores. */
  nbr: Int32Array
  nbrScore: Float32Array
  neighbours: number
  popular: Int32Array
  consumed: ConsumedSnapshot
  /** Each user's last consumed items as the policy learned them (agents, offsets, items), for users whose own history is empty. */
  last: ConsumedSnapshot
}

/**
 * Item-to-item co-occurrence ("users who watched this also watched"): items consumed
 * by the same user within a short window are neighbours, scored by count over the
 * geometric mean of their popularity; slates are filled with popular items.
 */
export function cooccurrencePolicy(
  options: { neighbours?: number; userWindow?: number } = {},
): Policy<CooccurrenceState, CooccurrenceSnapshot> {
  return definePolicy({
    name: 'cooccurrence',
    init: (ctx) => ({
      counts: new Map(),
      clicks: Float64Array.from(ctx.catalog.items, (it) => it.popularity * ctx.agents * 0.1),
      lastClicks: new Map(),
      neighbours: options.neighbours ?? 20,
      userWindow: options.userWindow ?? 5,
      consumed: new Map(),
    }),
    snapshot: (s) => {
      const n = s.clicks.length
      const m = s.neighbours
      const nbr = new Int32Array(n * m).fill(-1)
      const nbrScore = new Float32Array(n * m)
      for (const [a, row] of s.counts) {
        const scored = [...row].map(([b, c]) => [b, c / Math.sqrt((s.clicks[a]! + 1) * (s.clicks[b]! + 1))] as const)
        scored.sort((x, y) => y[1] - x[1] || x[0] - y[0])
        scored.slice(0, m).forEach(([b, sc], k) => {
          nbr[a * m + k] = b
          nbrScore[a * m + k] = sc
        })
      }
      return { nbr, nbrScore, neighbours: m, popular: rankByScore(s.clicks), consumed: consumedSnapshot(s.consumed), last: lastSnapshot(s.lastClicks) }
    },
    recommend: (snap, user, k) => {
      const scores = new Map<number, number>()
      const exclude = excludedFor(snap.consumed, user.id, user.history)
      const seen = new Set(exclude)
      // A user new to this run (a warm-started one) is seeded with what the policy learned it consumed last.
      const recent = (user.history.length ? user.history : lastOf(snap.last, user.id)).slice(-5)
      recent.forEach((a, age) => {
        const w = 1 / (recent.length - age)
        for (let j = 0; j < snap.neighbours; j++) {
          const b = snap.nbr[a * snap.neighbours + j]!
          if (b < 0) break
          if (!seen.has(b)) scores.set(b, (scores.get(b) ?? 0) + w * snap.nbrScore[a * snap.neighbours + j]!)
        }
      })
      const out = [...scores].sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, k).map(([id]) => id)
      if (out.length < k) out.push(...takeRanked(snap.popular, [...exclude, ...out], k - out.length))
      return out
    },
    learn: (s, feedback) => {
      const bump = (a: number, b: number) => {
        let row = s.counts.get(a)
        if (!row) s.counts.set(a, (row = new Map()))
        row.set(b, (row.get(b) ?? 0) + 1)
      }
      for (const it of feedback.interactions) {
        if (it.clicks.length === 0) continue
        const last = s.lastClicks.get(it.agent) ?? []
        for (const c of it.clicks) {
          s.clicks[c]! += 1
          for (const prev of last) {
            if (prev === c) continue
            bump(prev, c)
            bump(c, prev)
          }
          last.push(c)
          if (last.length > s.userWindow) last.shift()
        }
        s.lastClicks.set(it.agent, last)
      }
      recordConsumed(s.consumed, feedback)
      return s
    },
  })
}

/** The last consumed items per user, in order (not sorted: the order is the recency). */
function lastSnapshot(last: Map<number, number[]>): ConsumedSnapshot {
  const agents = Int32Array.from([...last.keys()].sort((a, b) => a - b))
  const offsets = new Int32Array(agents.length + 1)
  agents.forEach((a, k) => (offsets[k + 1] = offsets[k]! + last.get(a)!.length))
  const items = new Int32Array(offsets[agents.length]!)
  agents.forEach((a, k) => items.set(last.get(a)!, offsets[k]!))
  return { agents, offsets, items }
}

function lastOf(snap: ConsumedSnapshot, agent: number): number[] {
  let lo = 0
  let hi = snap.agents.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const a = snap.agents[mid]!
    if (a === agent) return Array.from(snap.items.subarray(snap.offsets[mid]!, snap.offsets[mid + 1]!))
    if (a < agent) lo = mid + 1
    else hi = mid - 1
  }
  return []
}
