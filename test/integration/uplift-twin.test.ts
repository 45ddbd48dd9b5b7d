import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildRunConfig } from '../../src/runner/index.ts'
import { launchRun } from '../helpers/launch.ts'
import { RunStore } from '../../src/store/index.ts'
import { readUpliftRows, type UpliftRow } from '../../src/datasets/formats/uplift.ts'

/**
 * The twin is exact: the outcome a shopper's twin logged under the other arm is the outcome
 * the same shopper gets in a separate run where only its arm is flipped, and flipping one
 * shopper's arm changes no other shopper's round.
 */
const dir = mkdtempSync(join(tmpdir(), 'usersim-twin-'))
const db = join(dir, 'runs.db')
const FLIP_ROUND = 1
const OUT = ['visit', 'clicks', 'conversion', 'spend'] as const

async function run(treatment: string, flip?: string): Promise<UpliftRow[]> {
  const { config } = await buildRunConfig('marketing', { agents: 240, rounds: 3, policyOptions: { treatment, ...(flip ? { flip } : {}) } })
  const { runId } = await launchRun(config, { db, threads: 0 })
  const store = new RunStore(db)
  try {
    return readUpliftRows(store, runId)
  } finally {
    store.close()
  }
}

const key = (r: UpliftRow) => `${r.round}:${r.agent_id}`
/** The potential outcome y(arm) of a row (observed, or observed + ITE for the other arm). */
function potential(r: UpliftRow, arm: number, o: (typeof OUT)[number]): number {
  const ite = o === 'clicks' ? Number.NaN : Number(r[`ite_${o === 'conversion' ? 'conversion' : o === 'visit' ? 'visit' : 'spend'}`])
  const observed = Number(r[o])
  if (Number(r.treatment) === arm) return observed
  return Math.round((arm === 1 ? observed + ite : observed - ite) * 100) / 100
}

for (const treatment of ['coupon', 'push', 'slot']) {
  describe(`the twin is exact (${treatment})`, () => {
    let base: UpliftRow[] = []
    let flipped: UpliftRow[] = []
    let agents: number[] = []
    beforeAll(async () => {
      base = await run(treatment)
      // Flip shoppers whose round-1 effect is not zero (and a few with none), in both directions.
      const r1 = base.filter((r) => r.round === FLIP_ROUND)
      const moved = r1.filter((r) => r.ite_conversion !== 0 || r.ite_visit !== 0 || r.ite_spend !== 0)
      const still = r1.filter((r) => r.ite_conversion === 0 && r.ite_visit === 0)
      agents = [...moved.slice(0, 6), ...still.slice(0, 2)].map((r) => Number(r.agent_id))
      flipped = await run(treatment, agents.map((a) => `${a}@${FLIP_ROUND}`).join(','))
    }, 120_000)

    it('flips the arm of the chosen shoppers, and their effects include non-zero ones in both directions', () => {
      expect(agents.length).toBeGreaterThanOrEqual(6)
      const b = new Map(base.map((r) => [key(r), r]))
      const arms = new Set<number>()
      for (const a of agents) {
        const before = b.get(`${FLIP_ROUND}:${a}`)!
        const after = flipped.find((r) => r.round === FLIP_ROUND && r.agent_id === a)!
        expect(after.treatment).toBe(1 - Number(before.treatment))
        arms.add(Number(before.treatment))
      }
      expect(arms.size).toBe(2)
    })

    it("the flipped run's outcome equals the twin's, and the exact effect is unchanged", () => {
      const b = new Map(base.map((r) => [key(r), r]))
      for (const a of agents) {
        const before = b.get(`${FLIP_ROUND}:${a}`)!
        const after = flipped.find((r) => r.round === FLIP_ROUND && r.agent_id === a)!
        for (const o of ['visit', 'conversion', 'spend'] as const) {
          // y(arm) is the same number whether observed (one run) or the twin's (the other).
          for (const arm of [0, 1]) expect(potential(after, arm, o)).toBe(potential(before, arm, o))
        }
        for (const c of ['ite_conversion', 'ite_visit', 'ite_spend', 'cate_conversion', 'cate_visit', 'cate_spend'] as const) expect(after[c]).toBe(before[c])
      }
    })

    it('changes no other shopper in that round, and nothing before it', () => {
      const f = new Map(flipped.map((r) => [key(r), r]))
      const flippedSet = new Set(agents)
      let compared = 0
      for (const r of base) {
        if (Number(r.round) > FLIP_ROUND || (r.round === FLIP_ROUND && flippedSet.has(Number(r.agent_id)))) continue
        expect(f.get(key(r))).toEqual(r)
        compared++
      }
      expect(compared).toBe(240 * 2 - agents.length)
    })
  })
}

describe('the uplift log does not depend on threads or shards', () => {
  it('target-uplift: the same rows inline and on two threads with three shards', async () => {
    const rows = async (threads: number, shards?: number) => {
      const { config } = await buildRunConfig('marketing', { agents: 300, rounds: 3, policy: 'target-uplift', policyOptions: { budget: 0.3 } })
      const { runId } = await launchRun(config, { db, threads, shards })
      const store = new RunStore(db)
      try {
        return readUpliftRows(store, runId)
      } finally {
        store.close()
      }
    }
    const inline = await rows(0)
    expect(inline.filter((r) => r.round === 2 && r.propensity === 1).length).toBeGreaterThan(0) // the model targeted someone
    expect(await rows(2, 3)).toEqual(inline)
  }, 120_000)
})
