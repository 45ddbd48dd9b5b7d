import { definePolicy, type Policy } from '../../src/core/index.ts'
import { consumedSnapshot, excludedFor, recordConsumed, type Consumed, type ConsumedSnapshot } from './consumed.ts'

/** Uniformly random slates (excluding what the user consumed): the floor of every metric. */
export function randomPolicy(): Policy<{ size: number; consumed: Consumed }, { size: number; consumed: ConsumedSnapshot }> {
  return definePolicy({
    name: 'random',
    init: (ctx) => ({ size: ctx.catalog.items.length, consumed: new Map() }),
    snapshot: (s) => ({ size: s.size, consumed: consumedSnapshot(s.consumed) }),
    recommend: (snap, user, k, rng) => {
      const out: number[] = []
      const seen = new Set(excludedFor(snap.consumed, user.id, user.history))
      const want = Math.min(k, snap.size - seen.size)
      while (out.length < want) {
        const i = rng.int(snap.size)
        if (!seen.has(i)) {
          seen.add(i)
          out.push(i)
        }
      }
      return out
    },
    learn: (s, feedback) => ({ ...s, consumed: recordConsumed(s.consumed, feedback) }),
  })
}
