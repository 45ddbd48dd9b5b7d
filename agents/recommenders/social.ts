import { definePolicy, type Policy } from '../../src/core/index.ts'
import { rankByScore, takeRanked } from './popularity.ts'

export interface SocialPolicyOptions {
  /** Most slate positions given to items friends engaged with (default: half the slate). */
  friendSlots?: number
  /** Rounds of clicks remembered per user (default 2). */
  window?: number
  /** Pseudo-count weight of the catalog's prior popularity (default agents / 2). */
  priorClicks?: number
}

export interface SocialPolicyState {
  score: Float64Array
  /** Clicks per user of the last `window` rounds, newest round last: one CSR per round. */
  recent: Array<{ offsets: Int32Array; items: Int32Array }>
}

export interface SocialSnapshot {
  order: Int32Array
  recent: Array<{ offsets: Int32Array; items: Int32Array }>
}

/**
 * Social-aware: fills up to `friendSlots` positions with what the user's friends clicked
 * in the last rounds (most friends first, ties by popularity), then the most popular
 * items. It exploits word of mouth: what friends engaged with, the user sees. Users
 * without friends (no social graph) get the popularity slate.
 */
export function socialPolicy(options: SocialPolicyOptions = {}): Policy<SocialPolicyState, SocialSnapshot> {
  const window = Math.max(1, options.window ?? 2)
  return definePolicy({
    name: 'social',
    init: (ctx) => {
      const prior = options.priorClicks ?? ctx.agents * 0.5
      const state: SocialPolicyState = { score: Float64Array.from(ctx.catalog.items, (it) => it.popularity * prior), recent: [] }
      return state
    },
    snapshot: (s): SocialSnapshot => ({ order: rankByScore(s.score), recent: s.recent }),
    recommend: (snap, user, k) => {
      const slots = Math.min(k, options.friendSlots ?? Math.ceil(k / 2))
      const friends = user.friends ?? []
      if (!friends.length || !snap.recent.length || slots === 0) return takeRanked(snap.order, user.history, k)
      const votes = new Map<number, number>()
      for (const r of snap.recent) {
        for (const f of friends) {
          if (f + 1 >= r.offsets.length) continue
          for (let j = r.offsets[f]!; j < r.offsets[f + 1]!; j++) votes.set(r.items[j]!, (votes.get(r.items[j]!) ?? 0) + 1)
        }
      }
      const rank = new Map<number, number>()
      const picked = [...votes.keys()].filter((i) => !user.history.includes(i))
      if (picked.length > 1) for (let p = 0; p < snap.order.length; p++) rank.set(snap.order[p]!, p)
      picked.sort((a, b) => votes.get(b)! - votes.get(a)! || rank.get(a)! - rank.get(b)!)
      const slate = picked.slice(0, slots)
      return [...slate, ...takeRanked(snap.order, [...user.history, ...slate], k - slate.length)]
    },
    learn: (s, feedback, ctx) => {
      const score = Float64Array.from(s.score)
      const counts = new Int32Array(ctx.agents + 1)
      for (const it of feedback.interactions) {
        for (const c of it.clicks) score[c]! += 1
        counts[it.agent + 1]! += it.clicks.length
      }
      for (let a = 0; a < ctx.agents; a++) counts[a + 1]! += counts[a]!
      const items = new Int32Array(counts[ctx.agents]!)
      const fill = counts.slice(0, ctx.agents)
      for (const it of feedback.interactions) for (const c of it.clicks) items[fill[it.agent]!++] = c
      return { score, recent: [...s.recent, { offsets: counts, items }].slice(-window) }
    },
  })
}
