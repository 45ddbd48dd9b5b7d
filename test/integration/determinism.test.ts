import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildRunConfig } from '../../src/runner/index.ts'
import { launchRun } from '../helpers/launch.ts'
import { RunStore } from '../../src/store/index.ts'
import { tempDir } from '../helpers/cli.ts'

// The same seed gives the same events and metrics however the work is split.
describe('determinism across threads and shards', () => {
  it.each(['popularity', 'bpr'])('policy %s: inline, 1 thread and 2 threads with other shard counts agree', async (policy) => {
    const dir = tempDir()
    const { config } = await buildRunConfig('feed', { agents: 600, rounds: 3, policy, catalogSize: 800, ndcgSample: 100 })
    const variants = [
      { threads: 0, shards: 1 },
      { threads: 1, shards: 3 },
      { threads: 2, shards: 7 },
    ]
    const results = []
    for (const [i, v] of variants.entries()) {
      const db = join(dir, `run${i}.db`)
      const r = await launchRun(config, { db, ...v })
      const store = new RunStore(db)
      results.push({ hash: store.eventsHash(r.runId), rounds: r.rounds, summary: r.summary })
      store.close()
    }
    expect(results[0]!.rounds[0]!.present).toBe(600)
    expect(results[0]!.summary.clicks).toBeGreaterThan(0)
    for (const r of results.slice(1)) {
      expect(r.hash).toBe(results[0]!.hash)
      expect(r.rounds).toEqual(results[0]!.rounds)
      expect(r.summary).toEqual(results[0]!.summary)
    }
  })

  it('a different seed gives different events', async () => {
    const dir = tempDir()
    const hashes = []
    for (const seed of [1, 2]) {
      const { config } = await buildRunConfig('feed', { agents: 200, rounds: 2, seed, catalogSize: 500 })
      const db = join(dir, `s${seed}.db`)
      const r = await launchRun(config, { db, threads: 0 })
      const store = new RunStore(db)
      hashes.push(store.eventsHash(r.runId))
      store.close()
    }
    expect(hashes[0]).not.toBe(hashes[1])
  })
})
