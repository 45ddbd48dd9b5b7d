import { describe, expect, it } from 'vitest'
import { compilePersona, generateCatalog, generatePersona, indexCatalog, rngFor, topK, violatesHardDislike } from '../../src/core/index.ts'

describe('topK', () => {
  it('matches a full sort, skips exclusions, and breaks ties on the lower index', () => {
    const r = rngFor(1)
    const scores = Array.from({ length: 500 }, () => Math.round(r.next() * 50))
    const exclude = [3, 10, 77]
    const expected = scores
      .map((s, i) => [s, i] as const)
      .filter(([, i]) => !exclude.includes(i))
      .sort((a, b) => b[0] - a[0] || a[1] - b[1])
      .slice(0, 12)
      .map(([, i]) => i)
    expect(topK(scores, 12, exclude)).toEqual(expected)
    expect(topK([1, 2], 5)).toEqual([1, 0])
  })
})

describe('hard dislikes', () => {
  it('flags an item carrying a hard-disliked tag', () => {
    const catalog = generateCatalog({ seed: 3, size: 500 })
    const idx = indexCatalog(catalog)
    const p = { ...generatePersona(1, { seed: 3, catalog }), hardDislikes: [catalog.items[0]!.tags[0]!] }
    const cp = compilePersona(p, idx)
    expect(violatesHardDislike(cp, idx, 0)).toBe(true)
    const clean = catalog.items.find((it) => !it.tags.includes(p.hardDislikes[0]!))!
    expect(violatesHardDislike(cp, idx, clean.id)).toBe(false)
  })
})
