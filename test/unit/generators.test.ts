import { describe, expect, it } from 'vitest'
import { compilePersona, generateCatalog, generatePersona, indexCatalog, trueUtility } from '../../src/core/index.ts'

describe('synthetic catalog', () => {
  const catalog = generateCatalog({ seed: 1, size: 2000 })

  it('is deterministic by seed', () => {
    expect(generateCatalog({ seed: 1, size: 50 })).toEqual(generateCatalog({ seed: 1, size: 50 }))
    expect(generateCatalog({ seed: 2, size: 50 }).items[0]).not.toEqual(generateCatalog({ seed: 1, size: 50 }).items[0])
  })

  it('has a long-tailed popularity that sums to one', () => {
    const pops = catalog.items.map((i) => i.popularity).sort((a, b) => b - a)
    expect(pops.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 6)
    const top1pct = pops.slice(0, 20).reduce((s, x) => s + x, 0)
    expect(top1pct).toBeGreaterThan(0.1)
  })

  it('gives every item the described fields', () => {
    for (const it of catalog.items.slice(0, 100)) {
      expect(it.tags.length).toBeGreaterThanOrEqual(2)
      expect(it.vector).toHaveLength(16)
      expect(it.quality).toBeGreaterThanOrEqual(0)
      expect(it.title.length).toBeGreaterThan(0)
      expect(it.description).toContain(it.category)
    }
  })
})

describe('synthetic population', () => {
  const catalog = generateCatalog({ seed: 5, size: 3000 })
  const idx = indexCatalog(catalog)

  it('is deterministic per (seed, id) and carries the AILO and Agent4Rec fields', () => {
    const p = generatePersona(17, { seed: 5, catalog })
    expect(generatePersona(17, { seed: 5, catalog })).toEqual(p)
    expect(['efficiency', 'detail', 'exploration']).toContain(p.activityType)
    expect(p.likes.length).toBeGreaterThan(0)
    expect(p.traits.conformity).toBeGreaterThanOrEqual(0)
    expect(p.hidden.taste).toHaveLength(16)
  })

  it('has hidden tastes that agree with the stated likes', () => {
    let liked = 0
    let other = 0
    let nl = 0
    let no = 0
    for (let id = 0; id < 200; id++) {
      const p = generatePersona(id, { seed: 5, catalog })
      const cp = compilePersona(p, idx)
      const likes = new Set(p.likes.map((l) => l.tag))
      for (const it of catalog.items.slice(0, 300)) {
        const u = trueUtility(cp, idx, it.id)
        if (it.tags.some((t) => likes.has(t))) {
          liked += u
          nl++
        } else {
          other += u
          no++
        }
      }
    }
    expect(liked / nl).toBeGreaterThan(other / no + 0.2)
  })
})

describe('stated tastes (issue 13)', () => {
  const catalog = generateCatalog({ seed: 4, size: 500 })
  const cat = catalog.categories[0]!

  it('replace the drawn tastes, move the hidden taste, and leave every other field as drawn', () => {
    for (let id = 0; id < 20; id++) {
      const drawn = generatePersona(id, { seed: 4, catalog })
      const stated = generatePersona(id, { seed: 4, catalog }, { favouriteCategories: [cat] })
      expect(stated.favouriteCategories).toEqual([cat])
      const { favouriteCategories: _f, hidden: h1, ...rest1 } = drawn
      const { favouriteCategories: _g, hidden: h2, ...rest2 } = stated
      expect(rest2).toEqual(rest1)
      expect(h2.qualityWeight).toBe(h1.qualityWeight)
      if (drawn.favouriteCategories.join() !== cat) expect(h2.taste).not.toEqual(h1.taste)
    }
  })

  it('without tastes, personas are exactly what they were', () => {
    expect(generatePersona(3, { seed: 4, catalog }, {})).toEqual(generatePersona(3, { seed: 4, catalog }))
  })
})
