import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildRunConfig } from '../../src/runner/index.ts'
import { iterateEvents, RunStore } from '../../src/store/index.ts'
import { rollbackRun } from '../../src/recovery/rollback.ts'
import { launchRun, resumeRun } from '../helpers/launch.ts'
import { ROOT, tempDir } from '../helpers/cli.ts'

const ML = join(ROOT, '../shared/data/ml-latest-small')

function withStore<T>(db: string, fn: (s: RunStore) => T): T {
  const s = new RunStore(db)
  try {
    return fn(s)
  } finally {
    s.close()
  }
}

describe('warm start', () => {
  it('burn-in: the same events inline and on 2 threads, stored with the run, and different from a cold start', async () => {
    const dir = tempDir()
    const hashes: string[] = []
    for (const [i, v] of [{ threads: 0, shards: 1 }, { threads: 2, shards: 5 }].entries()) {
      const { config } = await buildRunConfig('feed', { agents: 400, rounds: 2, policy: 'bpr', catalogSize: 600, warmStart: 'burn-in:2' })
      const db = join(dir, `w${i}.db`)
      const r = await launchRun(config, { db, ...v })
      hashes.push(withStore(db, (s) => s.eventsHash(r.runId)))
      const w = withStore(db, (s) => s.warmStart(r.runId))
      expect(w).toMatchObject({ kind: 'burn-in:2', batches: 2, users: 400, interactions: 800 })
      expect(w!.clicks).toBeGreaterThan(50)
    }
    expect(hashes[1]).toBe(hashes[0])
    const { config: cold } = await buildRunConfig('feed', { agents: 400, rounds: 2, policy: 'bpr', catalogSize: 600, warmStart: 'none' })
    const db = join(dir, 'cold.db')
    const r = await launchRun(cold, { db, threads: 0, shards: 1 })
    expect(withStore(db, (s) => s.eventsHash(r.runId))).not.toBe(hashes[0])
    expect(withStore(db, (s) => s.warmStart(r.runId))).toBeUndefined()
  }, 120_000)

  it('a resumed warm-started run ends where the uninterrupted one does', async () => {
    const dir = tempDir()
    const db = join(dir, 'r.db')
    const { config } = await buildRunConfig('feed', { agents: 300, rounds: 4, policy: 'bpr', catalogSize: 500, seed: 3, warmStart: 'burn-in:2' })
    const original = await launchRun(config, { db, threads: 0, shards: 2 })
    const hash = withStore(db, (s) => s.eventsHash(original.runId))
    rollbackRun(db, original.runId, 1)
    const resumed = await resumeRun(db, original.runId, { threads: 0, shards: 3 })
    expect(resumed.fromRound).toBe(2)
    expect(resumed.result.summary).toEqual(original.summary)
    expect(withStore(db, (s) => s.eventsHash(original.runId))).toBe(hash)
  }, 120_000)

  it('log: movielens policies learn the training split and never recommend what a user rated in it', async () => {
    const dir = tempDir()
    const db = join(dir, 'ml.db')
    const { config } = await buildRunConfig('movielens', { agents: 120, rounds: 1, policy: 'bpr', params: { data: ML } })
    expect(config.warmStart).toBe('log')
    const r = await launchRun(config, { db, threads: 0 })
    const w = withStore(db, (s) => s.warmStart(r.runId))!
    expect(w.source).toMatch(/ml-latest-small: training split/)
    expect(w.users).toBe(120)
    // The scenario's history is the calibration's training part: no held-out rating is in it.
    const { loadDataset } = await import('../../src/data/index.ts')
    const { splitByTime } = await import('../../src/fidelity/split.ts')
    const data = loadDataset(ML)
    const splits = splitByTime(data)
    const rows = (u: number, part: 'train' | 'test') => new Set(Array.from(splits[u]![part], (k) => data.ratings.item[k]!))
    let shown = 0
    withStore(db, (s) => {
      for (const e of iterateEvents(s, r.runId)) {
        const train = rows(e.agent, 'train')
        for (const i of e.slate) expect(train.has(i)).toBe(false)
        shown += e.slate.length
      }
    })
    expect(shown).toBe(120 * 10)
    expect(splits.slice(0, 120).reduce((n, s) => n + s.train.length, 0)).toBe(w.clicks)
  }, 240_000)
})
