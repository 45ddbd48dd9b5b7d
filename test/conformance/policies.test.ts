import { describe, expect, it } from 'vitest'
import { BUILTIN_POLICIES } from '../../agents/recommenders/index.ts'
import { compilePersona, generateCatalog, generatePersona, indexCatalog, rngFor, trueUtility, type Interaction, type TaskDef } from '../../src/core/index.ts'

// Every built-in policy honours the Policy contract.
const catalog = generateCatalog({ seed: 4, size: 400 })
const idx = indexCatalog(catalog)
const personas = Array.from({ length: 30 }, (_, id) => compilePersona(generatePersona(id, { seed: 4, catalog }), idx))
const ctx = { catalog, agents: 30, seed: 4, slateSize: 10 }
const recCtx = (round: number) => ({
  catalog,
  round,
  truth: { utility: (a: number, i: number) => trueUtility(personas[a]!, idx, i) },
  // Policies built from typed tasks (recgpt) run them on their surrogates, seeded per call.
  task: <I, O>(def: TaskDef<I, O>, input: I) => Promise.resolve(def.surrogate(def.input.parse(input), rngFor(9, def.name, JSON.stringify(input)))),
})

describe.each(Object.keys(BUILTIN_POLICIES))('policy %s', (name) => {
  const policy = BUILTIN_POLICIES[name]!({})

  it('recommends at most k distinct valid items, none from the history, deterministically per seed', async () => {
    let state = policy.init(ctx)
    for (let round = 0; round < 3; round++) {
      const snap = policy.snapshot(state)
      const interactions: Interaction[] = []
      for (let a = 0; a < 30; a++) {
        const history = [a, a + 1, a + 2]
        const rec = await policy.recommend(snap, { id: a, history, utterances: [] }, 10, rngFor(1, a, round), recCtx(round))
        const again = await policy.recommend(snap, { id: a, history, utterances: [] }, 10, rngFor(1, a, round), recCtx(round))
        const items = Array.isArray(rec) ? rec : rec.items
        expect(again).toEqual(rec)
        expect(items.length).toBeLessThanOrEqual(10)
        expect(new Set(items).size).toBe(items.length)
        for (const i of items) {
          expect(Number.isInteger(i) && i >= 0 && i < catalog.items.length).toBe(true)
          expect(history).not.toContain(i)
        }
        interactions.push({ agent: a, slate: items, clicks: items.slice(0, 2), ratings: [4, 3] })
      }
      state = policy.learn(state, { round, interactions }, { ...ctx, rng: rngFor(1, 'learn', round) })
    }
    // Snapshots cross threads and checkpoints: they must be structured-cloneable.
    expect(() => structuredClone(policy.snapshot(state))).not.toThrow()
  })
})
