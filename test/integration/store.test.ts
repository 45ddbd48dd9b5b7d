import Database from 'better-sqlite3'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { packRows, type OutcomeRow, type ShardResult } from '../../src/core/index.ts'
import { parseRunConfig } from '../../src/config/index.ts'
import { RunStore, SCHEMA_VERSION } from '../../src/store/index.ts'
import { core } from '../../src/store/sqlite/migrations/001-core.ts'
import { tempDir } from '../helpers/cli.ts'

const stores: RunStore[] = []
const open = (file: string, opts = {}) => {
  const s = new RunStore(file, opts)
  stores.push(s)
  return s
}
afterEach(() => stores.splice(0).forEach((s) => s.close()))

const config = parseRunConfig({ scenario: 'feed', agents: 2, rounds: 1, slate: 2, policy: 'random', seed: 1, catalogSize: 10, params: {}, policyOptions: {}, ndcgSample: 0 })
const row = (agent: number): OutcomeRow => ({ agent, round: 0, present: true, returned: false, slate: [1, 2], clicks: [2], ratings: [5], satisfaction: 0.7, left: false, ndcg: NaN, ild: 0.1, novelty: 2, violations: 0, utterances: [{ kind: 'praise', text: 'good' }] })
const result = (shard: number, start: number): ShardResult => ({ runId: 'r1', round: 0, shard, start, end: start + 1, rows: packRows([row(start)], 0, start, 2), states: '[{}]', awayBefore: 0, errors: [], taskCounts: { 'evaluate-slate': 1 }, calls: [] })

describe('run store', () => {
  it('creates a versioned schema and commits each shard exactly once', () => {
    const file = join(tempDir(), 'runs.db')
    const store = open(file)
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal')
    store.createRun({ id: 'r1', scenario: 'feed', config, seed: 1, versions: { usersim: 'test' }, status: 'running', createdAt: '2026-01-01T00:00:00Z', parentRun: null, parentRound: null })
    expect(store.commitShard('r1', result(0, 0))).toBe(true)
    expect(store.commitShard('r1', result(0, 0))).toBe(false)
    expect(store.commitShard('r1', result(1, 1))).toBe(true)
    expect(store.db.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 2 })
    expect(store.db.prepare('SELECT count(*) AS n FROM utterances').get()).toEqual({ n: 2 })
    expect(store.db.prepare('SELECT slate, clicks, ratings FROM events WHERE agent_id = 1').get()).toEqual({ slate: '1,2', clicks: '2', ratings: '5' })
    expect(store.taskCounts('r1')).toEqual({ 'evaluate-slate': 2 })
    expect(store.committedShards('r1', 0)).toEqual([0, 1])
  })

  it('lists runs newest first and names a missing run', () => {
    const store = open(join(tempDir(), 'runs.db'))
    store.createRun({ id: 'old', scenario: 'feed', config, seed: 1, versions: {}, status: 'finished', createdAt: '2026-01-01T00:00:00Z', parentRun: null, parentRound: null })
    store.createRun({ id: 'new', scenario: 'feed', config, seed: 1, versions: {}, status: 'finished', createdAt: '2026-02-01T00:00:00Z', parentRun: null, parentRound: null })
    expect(store.listRuns().map((r) => r.id)).toEqual(['new', 'old'])
    expect(() => store.getRun('nope')).toThrow(/no run "nope"/)
  })

  it('refuses a database from a newer usersim and a foreign database, leaving both untouched', () => {
    const dir = tempDir()
    const newer = join(dir, 'newer.db')
    const db = new Database(newer)
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    db.close()
    const before = readFileSync(newer)
    expect(() => open(newer)).toThrow(/newer than this usersim/)
    expect(readFileSync(newer)).toEqual(before)

    const foreign = join(dir, 'foreign.db')
    const f = new Database(foreign)
    f.exec('CREATE TABLE t (x)')
    f.close()
    expect(() => open(foreign)).toThrow(/not a usersim database/)
  })

  it('migrates an older usersim database forward', () => {
    const file = join(tempDir(), 'old.db')
    const db = new Database(file)
    db.exec(core.sql)
    db.pragma('user_version = 1')
    db.close()
    // A version-1 file whose later steps are pending: opening brings it to the current version.
    const store = open(file)
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
  })

  it('refuses a missing file when it must exist and a garbage file', () => {
    const dir = tempDir()
    expect(() => open(join(dir, 'none.db'), { mustExist: true })).toThrow(/database not found/)
    const junk = join(dir, 'junk.db')
    writeFileSync(junk, 'this is not sqlite at all, just text'.repeat(200))
    expect(() => open(junk)).toThrow(/cannot (open|use) database/)
  })
})
