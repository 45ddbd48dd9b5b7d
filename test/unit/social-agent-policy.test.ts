import { describe, expect, it } from 'vitest'
import { takeRanked } from '../../agents/recommenders/index.ts'
import { socialPolicy } from '../../agents/recommenders/social.ts'
import { surrogateEvaluate, type EvaluateSlateInput } from '../../agents/users/ailo/tasks/evaluate-slate.ts'
import { shareChance, sharedItems, socialPull, updateTrust, WORD_OF_MOUTH_DEFAULTS } from '../../agents/users/ailo/word-of-mouth.ts'
import { generateCatalog, generatePersona, rngFor, type InboxMessage } from '../../src/core/index.ts'

const catalog = generateCatalog({ seed: 1, size: 200 })
const persona = generatePersona(7, { seed: 1, catalog })
const o = WORD_OF_MOUTH_DEFAULTS

describe('word of mouth', () => {
  const share = (from: number, item: number, extra: Partial<InboxMessage> = {}): InboxMessage => ({ round: 0, from, kind: 'share', item, text: `from ${from}`, ...extra })

  it('shows friends’ shares not on the slate nor consumed, one per item, most-shared first', () => {
    const inbox = [share(1, 10), share(2, 11), share(3, 11), share(4, 12), share(5, 13), { round: 0, from: 6, kind: 'follow' as const }]
    const got = sharedItems(inbox, [12], [13], catalog.items, o)
    expect(got.map((s) => [s.item.id, s.friends, s.from])).toEqual([[11, 2, 2], [10, 1, 1]])
  })

  it('bounds the pull of friends by `influence`, more with more friends and more trust', () => {
    const one = sharedItems([share(1, 10)], [], [], catalog.items, o)[0]!
    const many = sharedItems([share(1, 10), share(2, 10), share(3, 10)], [], [], catalog.items, o)[0]!
    const trusted = { trust: { 1: 1 }, round: 0, friendClicks: 0, shared: 0 }
    for (const s of [one, many]) for (const m of [undefined, trusted]) {
      const pull = socialPull(s, persona, m, o)
      expect(pull).toBeGreaterThanOrEqual(0)
      expect(pull).toBeLessThanOrEqual(o.influence)
    }
    expect(socialPull(many, persona, undefined, o)).toBeGreaterThan(socialPull(one, persona, undefined, o))
    expect(socialPull(one, persona, trusted, o)).toBeGreaterThan(socialPull(one, persona, undefined, o))
  })

  it('trust follows ratings within [0, 1]; only items rated 4-5 are shared', () => {
    let trust: Record<string, number> = {}
    for (let i = 0; i < 10; i++) trust = updateTrust({ trust, round: 0, friendClicks: 0, shared: 0 }, 3, 5, o)
    expect(trust[3]).toBe(1)
    expect(updateTrust(undefined, 3, 1, o)[3]).toBeCloseTo(0.2)
    expect(shareChance(persona, 3, 0.9, o)).toBe(0)
    expect(shareChance(persona, 5, 0.9, o)).toBeGreaterThan(shareChance(persona, 4, 0.9, o))
  })

  it('the surrogate may open a friend’s item beside the slate; without shares it draws as before', () => {
    const item = (id: number) => ({ id, title: `t${id}`, category: 'c', tags: [], price: 1 })
    const base: EvaluateSlateInput = {
      persona: { name: 'a', activityType: 'exploration', likes: [], dislikes: [], favouriteCategories: ['c'], informationDensity: 'low', expressionStyle: 'direct', tone: 'neutral' },
      expectation: 0.5,
      memory: { visits: 0, satisfaction: 0.5, recentTitles: [] },
      slate: [item(1), item(2)],
      hidden: { fit: [0.1, 0.1], maxClicks: 3, ratingMean: 4, ratingSpread: 0.5, hardDislikes: [] },
    }
    const plain = surrogateEvaluate(base, rngFor(1))
    expect(surrogateEvaluate({ ...base, shared: [], hidden: { ...base.hidden, sharedFit: [] } }, rngFor(1))).toEqual(plain)
    const withShare = surrogateEvaluate({ ...base, shared: [{ ...item(9), friends: 2, comment: 'great' }], hidden: { ...base.hidden, sharedFit: [0.99] } }, rngFor(1))
    expect(withShare.clicks).toContain(9)
    expect(withShare.satisfaction).toBe(plain.satisfaction)
  })
})

describe('the social policy', () => {
  it('puts what friends clicked last first, then the most popular', async () => {
    const p = socialPolicy({ friendSlots: 2 })
    const ctx = { catalog, agents: 4, seed: 1, slateSize: 5 }
    let s = p.init(ctx)
    s = await p.learn(s, { round: 0, interactions: [{ agent: 1, slate: [], clicks: [50, 60], ratings: [] }, { agent: 2, slate: [], clicks: [60], ratings: [] }] }, { ...ctx, rng: rngFor(1) })
    const snap = p.snapshot(s)
    const slate = (await p.recommend(snap, { id: 0, history: [], utterances: [], friends: [1, 2] }, 5, rngFor(1), { catalog, round: 1, truth: { utility: () => 0 }, task: async () => ({}) as never })) as number[]
    expect(slate.slice(0, 2)).toEqual([60, 50])
    expect(slate).toHaveLength(5)
    const alone = (await p.recommend(snap, { id: 3, history: [], utterances: [] }, 5, rngFor(1), { catalog, round: 1, truth: { utility: () => 0 }, task: async () => ({}) as never })) as number[]
    // Without friends: the popularity slate.
    expect(alone).toEqual(takeRanked(snap.order, [], 5))
  })
})
