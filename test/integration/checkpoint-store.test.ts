import { mkdtempSync, statSync, truncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { listCheckpoints, loadCheckpoint, writeCheckpoint, type CheckpointData } from '../../src/checkpoint/checkpoint-repo.ts'
import { parseRunConfig } from '../../src/config/index.ts'
import { buildRunConfig } from '../../src/runner/index.ts'
import { branchRun, launchRun, resumeRun } from '../helpers/launch.ts'
import type { RoundMetrics } from '../../src/metrics/index.ts'
import { RunStore } from '../../src/store/index.ts'

const dir = mkdtempSync(join(tmpdir(), 'usersim-ckstore-'))
const config = parseRunConfig({ scenario: 'feed', agents: 4, rounds: 5, slate: 2, policy: 'bpr', seed: 3, catalogSize: 10, params: {}, policyOptions: {}, ndcgSample: 0 })

function freshStore(name: string): RunStore {
  const store = new RunStore(join(dir, name))
  store.createRun({ id: 'r', scenario: 'feed', config, seed: 3, versions: {}, status: 'running', createdAt: 'now', parentRun: null, parentRound: null })
  return store
}

const data = (round: number): CheckpointData => ({
  round,
  states: [
    { start: 0, end: 2, states: JSON.stringify([{ a: round }, { a: 2 }]) },
    { start: 2, end: 4, states: JSON.stringify([{ a: 3 }, { a: 4 }]) },
  ],
  policyState: { emb: new Float32Array([1.5, -2, round]), counts: new Map([[1, 2]]), seen: new Set(['x']) },
  metrics: [{ round, ndcg: Number.NaN, ctr: 0.25 } as unknown as RoundMetrics],
  exposure: new Float64Array([1, 0, 3, round]),
  config,
  extra: { fallback: round === 2 },
})

describe('checkpoint store', () => {
  it('round-trips states, a policy state with typed arrays / Maps / Sets, NaN metrics and exposure', () => {
    const store = freshStore('roundtrip.db')
    const stats = writeCheckpoint(store, 'r', data(2), 5)
    expect(stats.bytes).toBeGreaterThan(0)
    const cp = loadCheckpoint(store, 'r')!
    expect(cp.round).toBe(2)
    expect(cp.states).toEqual(data(2).states)
    expect(cp.policyState).toEqual(data(2).policyState)
    expect((cp.policyState as { emb: unknown }).emb).toBeInstanceOf(Float32Array)
    expect(cp.metrics[0]!.ndcg).toBeNaN()
    expect(cp.exposure).toEqual(data(2).exposure)
    expect(cp.extra).toEqual({ fallback: true })
    store.close()
  })

  it('keeps the newest N checkpoints; 0 keeps all', () => {
    const store = freshStore('keep.db')
    for (let r = 0; r < 5; r++) writeCheckpoint(store, 'r', data(r), 2)
    expect(listCheckpoints(store.db, 'r').map((c) => c.round)).toEqual([3, 4])
    expect(store.db.prepare('SELECT count(*) FROM checkpoint_states').pluck().get()).toBe(4)
    const all = freshStore('keepall.db')
    for (let r = 0; r < 5; r++) writeCheckpoint(all, 'r', data(r), 0)
    expect(listCheckpoints(all.db, 'r')).toHaveLength(5)
    store.close()
    all.close()
  })

  it('a checkpoint that fails half-way leaves the previous one as the newest, with no partial rows', () => {
    const store = freshStore('atomic.db')
    writeCheckpoint(store, 'r', data(0), 5)
    const broken = { ...data(1), states: [...data(1).states, { start: 4, end: 5, states: {} as unknown as string }] }
    expect(() => writeCheckpoint(store, 'r', broken, 5)).toThrow()
    expect(listCheckpoints(store.db, 'r').map((c) => c.round)).toEqual([0])
    expect(loadCheckpoint(store, 'r')!.round).toBe(0)
    expect(store.db.prepare('SELECT count(*) FROM checkpoint_states').pluck().get()).toBe(2)
    store.close()
  })

  it('a removed checkpoint row is named, never silently skipped for an older one', () => {
    const store = freshStore('removed.db')
    writeCheckpoint(store, 'r', data(0), 5)
    writeCheckpoint(store, 'r', data(1), 5)
    store.db.prepare('DELETE FROM checkpoints WHERE round = 1').run()
    expect(() => loadCheckpoint(store, 'r')).toThrow(/newest checkpoint \(round 1, per table checkpoint_ledger\) of run "r" .* is missing from table checkpoints \(checkpoints present: round 0/)
    store.close()
  })

  it('a removed state part, altered states, or a removed ledger row are named', () => {
    const store = freshStore('parts.db')
    writeCheckpoint(store, 'r', data(0), 5)
    store.db.prepare('DELETE FROM checkpoint_states WHERE part = 1').run()
    expect(() => loadCheckpoint(store, 'r')).toThrow(expect.objectContaining({ code: 'CHECKPOINT_MISSING', message: expect.stringMatching(/lacks agent-state part\(s\) 1 of 2/) }))
    writeCheckpoint(store, 'r', data(1), 5)
    store.db.prepare("UPDATE checkpoint_states SET states = '[{\"a\":9},{\"a\":2}]' WHERE part = 0 AND checkpoint_id = (SELECT id FROM checkpoints WHERE round = 1)").run()
    expect(() => loadCheckpoint(store, 'r')).toThrow(expect.objectContaining({ code: 'CHECKPOINT_CONFLICT', message: expect.stringMatching(/round 1 .* is damaged/) }))
    store.db.prepare('DELETE FROM checkpoint_ledger').run()
    expect(() => loadCheckpoint(store, 'r')).toThrow(/ledger row .* is missing/)
    store.close()
  })

  it('a truncated database file gives a clear error naming the file, not a wrong resume', async () => {
    const db = join(dir, 'truncated.db')
    const { config: c } = await buildRunConfig('feed', { agents: 400, rounds: 2, catalogSize: 300 })
    const r = await launchRun(c, { db, threads: 0 })
    truncateSync(db, Math.floor(statSync(db).size * 0.5))
    await expect(resumeRun(db, r.runId, { threads: 0 })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringMatching(/truncated\.db is damaged/) })
  }, 60_000)
})
