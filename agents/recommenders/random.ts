import { definePolicy, type Policy } from '../../src/core/index.ts'

/** Uniformly random slates (excluding recent history): the floor of every metric. */
export function randomPolicy(): Policy<{ size: number }, { size: number }> {
  return definePolicy({
    name: 'random',
    init: (ctx) => ({ size: ctx.catalog.items.length }),
    snapshot: (s) => s,
    recommend: (snap, user, k, rng) => {
      const out: number[] = []
      const seen = new Set(user.history)
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
    learn: (s) => s,
  })
}
