import { describe, expect, it } from 'vitest'
import { bm25Index, bm25Policy, bm25Scores } from '../../agents/recommenders/search/index.ts'
import { drawNeed, relevance } from '../../agents/users/ailo/search-need.ts'
import { misspell, surrogateWriteQuery, type WriteQueryInput } from '../../agents/users/ailo/tasks/write-query.ts'
import { anchorSnapshot, anchorsFor, countAnchors, generatePersona, queryKey, rngFor, withSearchContext, type AnchorCounts, type Policy } from '../../src/core/index.ts'
import { generateShopCatalog } from '../../scenarios/shop/catalog.ts'

const catalog = generateShopCatalog({ seed: 1, size: 400 })

describe('preference anchors', () => {
  it('count per normalised query and keep the top k per group, ties by item id', () => {
    expect(queryKey('Wireless  HEADPHONES wireless')).toBe('headphones wireless')
    const counts: AnchorCounts = new Map()
    countAnchors(counts, [
      { agent: 0, slate: [5, 6, 7], clicks: [6], ratings: [4], carts: [6], orders: [6], query: 'wireless headphones' },
      { agent: 1, slate: [7, 6, 8], clicks: [7, 6], ratings: [4, 3], query: 'headphones wireless' },
      { agent: 2, slate: [9], clicks: [9], ratings: [5] },
    ])
    const snap = anchorSnapshot(counts, 2)
    expect(Object.keys(snap)).toEqual(['headphones wireless'])
    expect(anchorsFor(snap, 'Wireless headphones')).toEqual({ purchased: [6], clicked: [6, 7], impressed: [6, 7] })
    expect(anchorsFor(snap, 'lamp')).toEqual({ purchased: [], clicked: [], impressed: [] })
  })

  it('reach the policy from the snapshot taken before the round: what it learns this round shows next round', async () => {
    const got: unknown[] = []
    const inner: Policy<null, null> = { name: 'p', init: () => null, snapshot: () => null, recommend: (_s, u) => (got.push(u.search?.anchors), []), learn: (s) => s }
    const p = withSearchContext(inner, { anchorsK: 3 })
    const ctx = { catalog, agents: 1, seed: 1, slateSize: 3 }
    let state = p.init(ctx)
    const user = { id: 0, history: [], utterances: [], search: { query: 'lamp', reformulation: false, anchors: { purchased: [], clicked: [], impressed: [] } } }
    const rctx = { catalog, round: 0, truth: { utility: () => 0 }, task: () => Promise.reject(new Error('no tasks')) }
    p.recommend(p.snapshot(state), user, 3, rngFor(1, 'x'), rctx)
    state = await p.learn(state, { round: 0, interactions: [{ agent: 0, slate: [1, 2], clicks: [2], ratings: [4], query: 'lamp' }] }, { ...ctx, rng: rngFor(1, 'l') })
    p.recommend(p.snapshot(state), user, 3, rngFor(1, 'x'), rctx)
    expect(got).toEqual([{ purchased: [], clicked: [], impressed: [] }, { purchased: [], clicked: [2], impressed: [1, 2] }])
  })
})

describe('queries', () => {
  const persona = generatePersona(3, { seed: 1, catalog })
  const base = (over: Partial<WriteQueryInput> = {}): WriteQueryInput => ({
    persona: { name: 'A', activityType: 'detail', likes: [], dislikes: [], favouriteCategories: [], informationDensity: 'low', expressionStyle: 'direct', tone: 'neutral' },
    need: { category: 'electronics', product: 'headphones', attributes: ['wireless', 'compact'], brand: 'Nordwell' },
    previous: null,
    style: { length: 'short', lead: 'brand', vague: false },
    hidden: { misspell: false },
    ...over,
  })
  it('follow the style: short brand-led, long, vague; a rewrite drops the brand', () => {
    const r = rngFor(1, 'q')
    expect(surrogateWriteQuery(base(), r).query).toBe('nordwell headphones')
    expect(surrogateWriteQuery(base({ style: { length: 'long', lead: 'attribute', vague: false } }), r).query).toBe('wireless compact headphones by nordwell')
    expect(surrogateWriteQuery(base({ style: { length: 'short', lead: 'brand', vague: true } }), r).query).toBe('electronics')
    for (let s = 0; s < 20; s++) expect(surrogateWriteQuery(base({ previous: 'nordwell headphones' }), rngFor(s, 'q')).query).not.toContain('nordwell')
  })
  it('misspell one word and are then unknown to a text index', () => {
    const idx = bm25Index(catalog)
    const it = catalog.items[0]!
    const product = it.title.split(' ').slice(2).join(' ')
    expect(Math.max(...bm25Scores(idx, product))).toBeGreaterThan(0)
    const typo = misspell('headphones', rngFor(2, 't'))
    expect(typo).not.toBe('headphones')
    expect(Math.max(0, ...bm25Scores(idx, typo))).toBe(0)
  })
  it('come from needs made of the catalog\'s vocabulary, and relevance ranks the needed product first', () => {
    const need = drawNeed(persona, catalog, rngFor(1, 'n'))
    expect(catalog.categories).toContain(need.category)
    for (const a of need.attributes) expect(catalog.tags).toContain(a)
    const items = catalog.items.filter((i) => i.category === need.category)
    const best = items.reduce((a, b) => (relevance(b, need) > relevance(a, need) ? b : a))
    expect(best.title.toLowerCase()).toContain(need.product)
    const page = bm25Policy().recommend(null, { id: 0, history: [], utterances: [], search: { query: `${need.attributes[0]} ${need.product}`, reformulation: false, anchors: { purchased: [], clicked: [], impressed: [] } } }, 10, rngFor(1, 'p'), { catalog, round: 0, truth: { utility: () => 0 }, task: () => Promise.reject(new Error('no')) }) as number[]
    expect(page.length).toBe(10)
    expect(catalog.items[page[0]!]!.title.toLowerCase()).toContain(need.product)
  })
})
