import { describe, expect, it } from 'vitest'
import { surrogatePurchase, type DecidePurchaseInput } from '../../agents/users/ailo/index.ts'
import { ailoAgent } from '../../agents/users/ailo/index.ts'
import { generatePersona, packRows, rngFor, rowAt, type OutcomeRow } from '../../src/core/index.ts'
import { computeRoundMetrics } from '../../src/metrics/index.ts'
import { funnelOf } from '../../src/runner/run-shard.ts'
import { generateShopCatalog } from '../../scenarios/shop/catalog.ts'

const persona = { name: 'A', activityType: 'detail', likes: [], dislikes: [], favouriteCategories: ['home'], informationDensity: 'low', expressionStyle: 'direct', tone: 'neutral' } as const
const input = (price: number, over: Partial<DecidePurchaseInput> = {}): DecidePurchaseInput => ({
  persona: { ...persona, likes: [], dislikes: [], favouriteCategories: ['home'] },
  budget: 60,
  opened: [{ id: 1, title: 'lamp', category: 'home', price }],
  hidden: { value: [0.8], expectation: 0.55, priceSensitivity: 1 },
  ...over,
})
const rate = (f: (seed: number) => boolean) => {
  let n = 0
  for (let s = 0; s < 4000; s++) if (f(s)) n++
  return n / 4000
}

describe('the purchase decision (surrogate of decide-purchase)', () => {
  it('buys less of dearer items, more of better ones, never past the budget', () => {
    const order = (i: DecidePurchaseInput) => rate((s) => surrogatePurchase(i, rngFor(s, 'p')).order.length > 0)
    const cart = (i: DecidePurchaseInput) => rate((s) => surrogatePurchase(i, rngFor(s, 'p')).cart.length > 0)
    expect(cart(input(10))).toBeGreaterThan(cart(input(55)) + 0.05)
    expect(order(input(10))).toBeGreaterThan(order(input(55)) + 0.05)
    expect(order(input(20, { hidden: { value: [0.9], expectation: 0.5, priceSensitivity: 1 } }))).toBeGreaterThan(order(input(20, { hidden: { value: [0.5], expectation: 0.5, priceSensitivity: 1 } })) + 0.1)
    // Price-sensitive users buy less of the same item.
    expect(order(input(30, { hidden: { value: [0.8], expectation: 0.55, priceSensitivity: 2 } }))).toBeLessThan(order(input(30)) - 0.05)
    // Above the budget: carted at times, never ordered.
    expect(order(input(61))).toBe(0)
    expect(cart(input(61))).toBeGreaterThan(0)
    const many = input(25, { opened: [1, 2, 3, 4].map((id) => ({ id, title: 't', category: 'home', price: 25 })), hidden: { value: [0.95, 0.95, 0.95, 0.95], expectation: 0.3, priceSensitivity: 0 } })
    for (let s = 0; s < 500; s++) {
      const out = surrogatePurchase(many, rngFor(s, 'p'))
      expect(out.order.length * 25).toBeLessThanOrEqual(60)
      for (const id of out.order) expect(out.cart).toContain(id)
    }
  })
})

describe('the funnel in the log', () => {
  it('keeps carts among clicks and orders among carts; GMV is the orders\' prices', () => {
    const items = [{ price: 10 }, { price: 20.5 }, { price: 30 }, { price: 99 }]
    expect(funnelOf([0, 1, 2], [1, 2, 3, 2], [2, 0, 1], items)).toEqual({ carts: [1, 2], orders: [2, 1], gmv: 50.5 })
    expect(funnelOf([0, 1], undefined, [0], items)).toEqual({ carts: [], orders: [], gmv: 0 })
  })

  it('packs carts and orders per click, and measures add-to-cart rate, conversion and GMV', () => {
    const row = (agent: number, o: Partial<OutcomeRow>): OutcomeRow => ({
      agent, round: 0, present: true, returned: false, slate: [0, 1, 2, 3], clicks: [], ratings: [], satisfaction: 0.5, left: false,
      ndcg: Number.NaN, ild: 0, novelty: 0, violations: 0, utterances: [], ...o,
    })
    const rows = [
      row(0, { clicks: [0, 1, 2], ratings: [4, 3, 5], carts: [1, 2], orders: [2], gmv: 30 }),
      row(1, { clicks: [3], ratings: [2] }),
      row(2, { clicks: [0, 3], ratings: [4, 4], carts: [0, 3], orders: [0, 3], gmv: 109 }),
      row(3, {}),
    ]
    const b = packRows(rows, 0, 0, 4)
    expect(rowAt(b, 0)).toMatchObject({ carts: [1, 2], orders: [2], gmv: 30 })
    expect(rowAt(b, 1).carts).toBeUndefined()
    const m = computeRoundMetrics([b], { round: 0, catalogSize: 4, awayBefore: 0 })
    expect(m.carts).toBe(4)
    expect(m.orders).toBe(3)
    expect(m.cartRate).toBeCloseTo(4 / 6, 6)
    expect(m.conversion).toBeCloseTo(2 / 4, 6)
    expect(m.gmv).toBe(139)
    expect(m.gmvPerUser).toBeCloseTo(139 / 4, 6)
  })
})

describe('the AILO shopper', () => {
  it('adds to the cart and buys on a shop catalog; without commerce its state and outcome carry no funnel', async () => {
    const catalog = generateShopCatalog({ seed: 3, size: 200 })
    const run = async (commerce: boolean) => {
      const agent = ailoAgent({ commerce })
      let carts = 0, orders = 0, clicks = 0
      for (let id = 0; id < 300; id++) {
        const p = generatePersona(id, { seed: 3, catalog })
        const state = agent.initialState(p, rngFor(3, 'init', id))
        if (!commerce) expect(state).not.toHaveProperty('budget')
        const { surrogateRunner } = await import('../../src/llm/surrogate-runner.ts')
        const tasks = surrogateRunner()
        const out = await agent.step({
          persona: p, state, round: 0, rng: rngFor(3, 'agent', id), slate: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], catalog, returned: false,
          truth: { utility: (i) => catalog.items[i]!.quality * 2 - 0.5 }, task: (def, i) => tasks.run(def, i, { runSeed: 3, agent: id, round: 0, call: 0 }),
        })
        clicks += out.clicks.length
        carts += out.carts?.length ?? 0
        orders += out.orders?.length ?? 0
        for (const c of out.carts ?? []) expect(out.clicks).toContain(c)
        for (const o of out.orders ?? []) expect(out.carts).toContain(o)
      }
      return { clicks, carts, orders }
    }
    const on = await run(true)
    expect(on.carts).toBeGreaterThan(0)
    expect(on.orders).toBeGreaterThan(0)
    expect(on.carts).toBeLessThan(on.clicks)
    expect((await run(false)).carts).toBe(0)
  })
})
