import { describe, expect, it } from 'vitest'
import { rngFor } from '../../src/core/index.ts'
import { surrogateReflect, type ReflectTrialInput } from '../../agents/recommenders/reflection/index.ts'
import { surrogateCrsTurn, type CrsTurnInput } from '../../agents/recommenders/crs/index.ts'
import { closeTrial, firstTrial, trialReward, trialView } from '../../agents/users/trials.ts'
import { reflectorReward } from '../../src/datasets/formats/trajectories.ts'

const failed: ReflectTrialInput = {
  instruction: 'Lead the user to an item.',
  trial: 0,
  outcome: { ending: 'out-of-turns', reward: 0.45, rounds: 5 },
  trajectory: [{ observation: 'user: I want a comedy', action: '{"action":"respond"}' }],
  evidence: [
    { kind: 'no-guidance', detail: 'Turn 2: I replied "There are many good options out there." with no question and no recommendation' },
    { kind: 'negative-violated', detail: 'I recommended "Glass Tide", which is violent, after the user ruled that out' },
  ],
  understood: '{"category":"comedy","tags":["bleak"],"notTags":["violent"]}',
  shown: [4, 9],
  lessons: [],
}

describe('reflect-trial (surrogate)', () => {
  it('names what went wrong with its evidence and what to do instead, and carries what still holds', () => {
    const out = surrogateReflect(failed)
    expect(out.diagnosis).toEqual(['no-guidance', 'negative-violated'])
    expect(out.lesson).toContain('Glass Tide')
    expect(out.lesson).toContain('which is violent')
    expect(out.lesson).toMatch(/Never show items with attributes the user ruled out/)
    expect(out.lesson).toMatch(/Every turn must ask one question or recommend one item/)
    expect(out.carry).toBe(failed.understood)
    expect(out.avoid).toEqual([4, 9])
    // Without evidence it still says why the trial failed, not filler.
    expect(surrogateReflect({ ...failed, evidence: [], outcome: { ending: 'gave-up', reward: 0.2, rounds: 3 } }).diagnosis).toEqual(['gave-up'])
  })

  it('a lesson that named a slip keeps the surrogate CRS from making it again', () => {
    const input: CrsTurnInput = { history: [], constraints: { category: 'comedy', tags: ['bleak'], notTags: [] }, candidates: [1, 2, 3].map((id) => ({ id, title: `T${id}`, category: 'comedy', tags: ['bleak'], price: 10 })), asked: ['category', 'tags'], rejected: [], turn: 1, maxTurns: 5 }
    const slips = (i: CrsTurnInput) => {
      let n = 0
      for (let s = 0; s < 400; s++) {
        const out = surrogateCrsTurn(i, rngFor(s, 'crs'))
        if (out.action !== 'recommend' || out.item !== 1) n++
      }
      return n
    }
    expect(slips(input)).toBeGreaterThan(50)
    expect(slips({ ...input, lessons: [{ trial: 0, diagnosis: ['no-guidance', 'repeated-question', 'wrong-pick'], text: 'x' }] })).toBe(0)
  })
})

describe('trial bookkeeping and rewards', () => {
  it('closes trials, restarts only failed ones with trials left, and shows the policy the previous ending', () => {
    const s = firstTrial(3)
    s.trialSatisfaction = 2
    expect(closeTrial(s, 'out-of-turns', 4)).toBe(true)
    expect(s.results[0]).toEqual({ ending: 'out-of-turns', reward: trialReward(false, 0.5), rounds: 4, satisfaction: 0.5 })
    expect(trialView(s)).toEqual({ index: 1, of: 3, previous: { ending: 'out-of-turns', reward: 0.25, rounds: 4 } })
    expect(closeTrial(s, 'passed', 1)).toBe(false)
    expect(s.results[1]!.reward).toBe(1)
    const last = firstTrial(1)
    expect(trialView(last)).toBeUndefined()
    expect(closeTrial(last, 'gave-up', 3)).toBe(false)
  })

  it("RetroAct's reflector reward: (r_t − r_{t−1})·(r_{t−1} + c)/c", () => {
    expect(reflectorReward(0.5, 1, 1)).toBe(0.75)
    expect(reflectorReward(0, 1, 1)).toBe(1)
    expect(reflectorReward(0.4, 0.2, 2)).toBeCloseTo(-0.24, 4)
  })
})
