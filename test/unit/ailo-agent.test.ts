import { describe, expect, it } from 'vitest'
import {
  ailoAgent,
  type AiloState,
  decideContinue,
  evaluateSlate,
  writeUtterance,
} from '../../agents/users/ailo/index.ts'
import {
  compilePersona,
  generateCatalog,
  generatePersona,
  indexCatalog,
  rngFor,
  topK,
  trueUtility,
  type StepContext,
  type TaskDef,
} from '../../src/core/index.ts'
import { surrogateRunner } from '../../src/llm/surrogate-runner.ts'

const catalog = generateCatalog({ seed: 2, size: 1000 })
const idx = indexCatalog(catalog)
const agent = ailoAgent()

function ctx(id: number, slate: number[], over: Partial<StepContext<AiloState>> = {}): StepContext<AiloState> {
  const persona = generatePersona(id, { seed: 2, catalog })
  const cp = compilePersona(persona, idx)
  const runner = surrogateRunner()
  let call = 0
  return {
    persona,
    state: agent.initialState(persona, rngFor(2, id, 'init')),
    round: 0,
    rng: rngFor(2, id, 0, 'agent'),
    slate,
    catalog,
    returned: false,
    truth: { utility: (i) => trueUtility(cp, idx, i) },
    task: <I, O>(def: TaskDef<I, O>, input: I) => {
      // Every surrogate answer must satisfy the task's own schemas.
      expect(def.input.safeParse(input).success).toBe(true)
      return runner.run(def, input, { runSeed: 2, agent: id, round: 0, call: call++ }).then((out) => {
        expect(def.output.safeParse(out).success).toBe(true)
        return out
      })
    },
    ...over,
  }
}

function bestAndWorst(id: number) {
  const persona = generatePersona(id, { seed: 2, catalog })
  const cp = compilePersona(persona, idx)
  const u = Float32Array.from(catalog.items, (it) => trueUtility(cp, idx, it.id))
  const best = topK(u, 10)
  const worst = topK(u.map((x) => -x), 10)
  return { best, worst }
}

describe('AILO user-agent', () => {
  it('is pure: the same inputs give the same outcome', async () => {
    const slate = bestAndWorst(3).best
    expect(await agent.step(ctx(3, slate))).toEqual(await agent.step(ctx(3, slate)))
  })

  it('is more satisfied, clicks more and rates higher on good slates than on bad ones', async () => {
    let good = { sat: 0, clicks: 0, rating: 0, n: 0 }
    let bad = { sat: 0, clicks: 0 }
    for (let id = 0; id < 60; id++) {
      const { best, worst } = bestAndWorst(id)
      const g = await agent.step(ctx(id, best))
      const b = await agent.step(ctx(id, worst))
      good = { sat: good.sat + g.satisfaction, clicks: good.clicks + g.clicks.length, rating: good.rating + g.ratings.reduce((s, x) => s + x, 0), n: good.n + g.ratings.length }
      bad = { sat: bad.sat + b.satisfaction, clicks: bad.clicks + b.clicks.length }
    }
    expect(good.sat).toBeGreaterThan(bad.sat + 60 * 0.1)
    expect(good.clicks).toBeGreaterThan(bad.clicks * 2)
    expect(good.rating / good.n).toBeGreaterThan(3.3)
  })

  it('only clicks items on its slate, rates each click 1-5, and leaves when worn out', async () => {
    const { worst } = bestAndWorst(5)
    const c = ctx(5, worst)
    const tired = { ...c, state: { ...c.state, fatigue: 3, satisfaction: 0.1 } }
    const out = await agent.step(tired)
    expect(out.left).toBe(true)
    for (const id of out.clicks) expect(worst).toContain(id)
    for (const r of out.ratings) expect(r >= 1 && r <= 5).toBe(true)
  })

  it('comes back after leaving more often when it was satisfied', () => {
    const persona = generatePersona(9, { seed: 2, catalog })
    const base = agent.initialState(persona, rngFor(1))
    const rate = (satisfaction: number) => {
      let back = 0
      for (let r = 0; r < 2000; r++) if (agent.visit({ persona, state: { ...base, satisfaction }, present: false, round: r, rng: rngFor(7, r) })) back++
      return back / 2000
    }
    expect(rate(0.9)).toBeGreaterThan(rate(0.1) + 0.3)
  })
})

describe('AILO task prompts', () => {
  const persona = generatePersona(1, { seed: 2, catalog })
  const briefCtx = ctx(1, bestAndWorst(1).best)

  it('never show the simulator-only fields and put the stable parts first', async () => {
    const inputs: Array<[TaskDef<any, any>, unknown]> = []
    await agent.step({ ...briefCtx, task: async (def, input) => { inputs.push([def, input]); return def.surrogate(input, rngFor(1)) } })
    expect(inputs.length).toBeGreaterThanOrEqual(2)
    for (const [def, input] of inputs) {
      const msgs = def.prompt(input)
      expect(msgs[0]!.role).toBe('system')
      const text = msgs.map((m) => m.content).join('\n')
      expect(text).not.toContain('hidden')
      expect(text).not.toContain(String((input as { hidden?: { pressure?: number } }).hidden?.pressure ?? 'no-such-value'))
      expect(text).toContain(persona.name)
    }
  })

  it('has prompts that match their snapshots', () => {
    const input = {
      persona: { name: 'Ada K.', activityType: 'detail' as const, likes: ['light', 'funny'], dislikes: ['violent'], favouriteCategories: ['comedy'], informationDensity: 'high' as const, expressionStyle: 'direct' as const, tone: 'friendly' as const },
      expectation: 0.6,
      memory: { visits: 2, satisfaction: 0.55, recentTitles: ['Quiet Harbor'] },
      slate: [{ id: 4, title: 'Golden Signal', category: 'comedy', tags: ['light'], price: 9.5 }],
      hidden: { fit: [0.7], maxClicks: 2, ratingMean: 3.4, ratingSpread: 0.8, hardDislikes: [] },
    }
    expect(evaluateSlate.prompt(input)).toMatchSnapshot()
    expect(decideContinue.prompt({ persona: input.persona, satisfaction: 0.4, fatigue: 0.3, visits: 3, clicked: 1, hidden: { pressure: 0.5, patience: 0.6 } })).toMatchSnapshot()
    expect(writeUtterance.prompt({ persona: input.persona, kind: 'complaint', satisfaction: 0.2, about: { titles: ['Iron Storm'], tags: ['violent'] } })).toMatchSnapshot()
  })
})

describe('AILO with a fitted choice model', () => {
  it('chooses by the conditional logit: more clicks on items the model favours, none past the outside option', async () => {
    const choice = { utility: 1, popularity: 0, popularityByConformity: 0, activity: 0, familiarity: 0, bias: 0, positionBias: 0.3 }
    let good = 0
    let bad = 0
    for (let id = 0; id < 40; id++) {
      const { best, worst } = bestAndWorst(id)
      const withChoice = (outside: number) => ({ ...generatePersona(id, { seed: 2, catalog }), choice: { ...choice, outside } })
      good += (await agent.step(ctx(id, best, { persona: withChoice(2) }))).clicks.length
      bad += (await agent.step(ctx(id, worst, { persona: withChoice(2) }))).clicks.length
      // An outside option worth far more than any slate: nobody clicks.
      expect((await agent.step(ctx(id, best, { persona: withChoice(50) }))).clicks).toEqual([])
    }
    expect(good).toBeGreaterThan(bad * 2)
  })
})
