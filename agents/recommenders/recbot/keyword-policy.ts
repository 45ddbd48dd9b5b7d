import { z } from 'zod'
import { definePolicy, type Policy } from '../../../src/core/index.ts'
import { collaborativePrior, latestCommand, type RecbotSnapshot } from './policy.ts'
import { itemTokens, tokens } from './text-similarity.ts'

const keywordMemory = z.object({ words: z.array(z.string()) })

/**
 * Baseline: a keyword matcher. It keeps every word the user has typed and ranks items
 * by how many of them their text contains; it has no idea of negation, conflicts or
 * numbers ("nothing floral" pushes floral items up).
 */
export function keywordPolicy(): Policy<RecbotSnapshot, RecbotSnapshot> {
  return definePolicy({
    name: 'keyword',
    init: (ctx) => ({ prior: collaborativePrior(ctx.catalog) }),
    snapshot: (s) => s,
    learn: (s) => s,
    recommend: (snap, user, k, _rng, ctx) => {
      const prev = keywordMemory.safeParse(user.memory)
      const words = new Set(prev.success ? prev.data.words : [])
      const command = latestCommand(user)
      if (command) for (const w of tokens(command)) words.add(w)
      const itemWords = itemTokens(ctx.catalog)
      const history = new Set(user.history)
      const scored: { i: number; s: number }[] = []
      for (let i = 0; i < itemWords.length; i++) {
        if (history.has(i)) continue
        let s = 0.1 * snap.prior[i]!
        for (const w of words) if (itemWords[i]!.has(w)) s += 1
        scored.push({ i, s })
      }
      scored.sort((a, b) => b.s - a.s || a.i - b.i)
      return { items: scored.slice(0, k).map((x) => x.i), memory: { words: [...words].slice(-60) } }
    },
  })
}
