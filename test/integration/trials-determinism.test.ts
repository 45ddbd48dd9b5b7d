import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildRunConfig } from '../../src/runner/index.ts'
import { RunStore } from '../../src/store/index.ts'
import { readTaskTraces } from '../../src/datasets/traces-repo.ts'
import { trialFigures, trialsOf } from '../../src/datasets/trials.ts'
import { launchRun } from '../helpers/launch.ts'
import { tempDir } from '../helpers/cli.ts'

// Multi-trial episodes (issue 19): restarts and reflections are per-agent and seeded, so the split does not matter.
describe('multi-trial episodes do not depend on sharding', () => {
  it.each([
    ['conversational', { trials: 3, maxTurns: 3 }],
    ['interactive-feed', { trials: 3, setting: 'drift', maxRounds: 3 }],
  ] as const)('%s: inline and 2 threads × 5 shards give the same events, trials and lessons; more users pass by each trial', async (scenario, params) => {
    const dir = tempDir()
    const { config } = await buildRunConfig(scenario, { agents: 240, params: { ...params } })
    expect(config.rounds).toBe(9)
    const seen = []
    for (const [i, v] of [{ threads: 0, shards: 1 }, { threads: 2, shards: 5 }].entries()) {
      const db = join(dir, `run${i}.db`)
      const r = await launchRun(config, { db, ...v })
      const store = new RunStore(db)
      const lessons = readTaskTraces(store.db, store.runKey(r.runId), ['reflect-trial']).map((t) => JSON.stringify([t.agent, t.round, t.output]))
      seen.push({ hash: store.eventsHash(r.runId), figures: trialFigures(trialsOf(store, r.runId)), lessons })
      store.close()
    }
    expect(seen[1]).toEqual(seen[0])
    const f = seen[0]!.figures
    expect(f).toHaveLength(3)
    expect(seen[0]!.lessons.length).toBe(f[1]!.users + f[2]!.users)
    expect(f[1]!.cumulativePassRate).toBeGreaterThan(f[0]!.cumulativePassRate)
    expect(f[2]!.cumulativePassRate).toBeGreaterThan(f[1]!.cumulativePassRate)
  }, 240_000)
})
