import { describe, expect, it } from 'vitest'
import { agentRng, generateCatalog, type Persona, type TaskDef, type Treatment } from '../../src/core/index.ts'
import marketing from '../../scenarios/marketing/scenario.ts'
import { shopperAgent, shopperStateOf, surrogateShopperRound, type ShopperState, type ShopperTruth } from '../../agents/users/shopper/index.ts'
import { perturb, rankFeatures } from '../../src/uplift/sensitivity.ts'
import { rngFor } from '../../src/core/index.ts'

const catalog = generateCatalog({ seed: 3, size: 200 })
const agent = shopperAgent()

function persona(id: number, truth: Partial<ShopperTruth> = {}): Persona {
  const p = marketing.persona(id, { seed: 3, catalog, params: {} })
  const t = p.hidden.target as { profile: unknown; truth: ShopperTruth }
  return { ...p, hidden: { ...p.hidden, target: { ...t, truth: { ...t.truth, ...truth } } } }
}

async function step(p: Persona, treatment: Treatment | undefined, round = 0, state?: ShopperState) {
  const s = state ?? agent.initialState(p, rngFor(3, p.id, 'init'))
  return agent.step({
    persona: p,
    state: s,
    round,
    rng: agentRng(3, p.id, round, 'agent'),
    slate: [0, 1, 2, 3, 4],
    catalog,
    returned: false,
    truth: { utility: (i) => ((i * 37) % 11) / 5 - 1 },
    treatment,
    task: <I, O>(def: TaskDef<I, O>, input: I) => Promise.resolve(def.surrogate(def.input.parse(input), rngFor(0)) as O),
  })
}

const push: Treatment = { arm: 1, kind: 'push', propensity: 0.5, cost: 0.05 }

describe('the shopper', () => {
  it('both arms read the same draws: a treatment without effect has an exact effect of 0 for everyone', async () => {
    for (let id = 0; id < 60; id++) {
      const p = persona(id, { pushLift: 0, annoyance: 0 })
      const out = await step(p, push)
      const rec = shopperStateOf(out.state)!.rounds[0]!
      expect(rec.w.slice(0, 4)).toEqual(rec.o.slice(0, 4)) // visit, clicks, conversion, spend (exposure differs by definition)
    }
  })

  it('logs the round: features before it, arm, propensity, cost, the outcome and the twin', async () => {
    const p = persona(5, { pushLift: 3, visitBase: -3 })
    const out = await step(p, push)
    const rec = shopperStateOf(out.state)!.rounds[0]!
    expect(rec).toMatchObject({ r: 0, a: 1, k: 'push', p: 0.5, c: 0.05 })
    expect(rec.x).toHaveLength(14)
    expect(rec.e[1]).toBeGreaterThan(rec.e[0]!) // a strong push raises the expected visit
    // The chosen arm became the state: one treatment counted.
    expect(shopperStateOf(out.state)!.log.treatments).toBe(1)
    const control = await step(p, { ...push, arm: 0, cost: 0 })
    expect(shopperStateOf(control.state)!.log.treatments).toBe(0)
    expect(shopperStateOf(control.state)!.rounds[0]!.o).toEqual(rec.w)
  })

  it('purchases are the interaction log’s clicks; no treatment, no uplift record', async () => {
    const out = await step(persona(7, { intent: 6, visitBase: 6 }), undefined)
    expect(out.clicks.length).toBeLessThanOrEqual(1)
    expect(shopperStateOf(out.state)!.rounds).toEqual([])
    await expect(step(persona(7), { ...push, kind: 'letter' })).rejects.toThrow(/unknown treatment kind "letter"/)
  })

  it('the surrogate buys only what it looked at, and nothing without a visit', () => {
    const slate = [0, 1].map((id) => ({ id, title: 't', category: 'c', price: 10, pay: 10, promoted: false }))
    const hidden = { pVisit: 0.5, uVisit: 0.7, click: [0.9, 0.9], value: [0, 1], buy: [1, 1], uClick: [0.1, 0.1], uBuy: 0.5 }
    const base = { persona: { name: 'n', activityType: 'detail' as const, likes: [], dislikes: [], favouriteCategories: [], informationDensity: 'low' as const, expressionStyle: 'direct' as const, tone: 'neutral' as const }, offer: { kind: 'none' as const, text: '' }, slate, recent: { purchases: 0, roundsSinceLastPurchase: null } }
    expect(surrogateShopperRound({ ...base, hidden }, rngFor(1))).toMatchObject({ visit: false, clicks: [], purchase: null })
    expect(surrogateShopperRound({ ...base, hidden: { ...hidden, uVisit: 0.1 } }, rngFor(1))).toMatchObject({ visit: true, clicks: [0, 1], purchase: 1 })
  })
})

describe('perturbations', () => {
  const x = Array.from({ length: 200 }, (_, i) => [i % 10, (i * 7) % 13, 1])
  const sd = [2, 3, 0]
  it('noise stays within ε·sd and touches only the chosen features; interpolation stays between the two values', () => {
    const xp = perturb(x, [0], { mode: 'noise', eps: 0.5 }, sd, rngFor(1))
    xp.forEach((r, i) => {
      expect(Math.abs(r[0]! - x[i]![0]!)).toBeLessThanOrEqual(1)
      expect(r[1]).toBe(x[i]![1])
    })
    const xi = perturb(x, [0, 1], { mode: 'interp', eps: 1 }, sd, rngFor(2))
    // With ε = 1 every value is another row's value.
    xi.forEach((r) => expect(x.some((o) => o[0] === r[0])).toBe(true))
  })
  it('ranks the feature a model uses above the ones it ignores', async () => {
    const predict = (rows: readonly ArrayLike<number>[]) => Float64Array.from(rows, (r) => r[0]! / 10 - 0.45)
    const ranked = await rankFeatures(predict, { x, t: x.map((_, i) => i % 2), y: x.map((r) => (r[0]! > 4 ? 1 : 0)) }, { mode: 'noise', eps: 0.5 }, sd, 1, 2)
    expect(ranked[0]!.feature).toBe(0)
    expect(ranked[0]!.decileFlip).toBeGreaterThan(0)
    expect(ranked[1]!.decileFlip).toBe(0)
  })
})
