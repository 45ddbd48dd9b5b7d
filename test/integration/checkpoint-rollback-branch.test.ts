import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { listCheckpoints } from '../../src/checkpoint/checkpoint-repo.ts'
import { interviewAgent } from '../../src/recovery/interview.ts'
import { rollbackRun } from '../../src/recovery/rollback.ts'
import { writeCorrections } from '../../src/correction/export-corrections.ts'
import { buildRunConfig, type RunResult } from '../../src/runner/index.ts'
import { branchRun, launchRun, resumeRun } from '../helpers/launch.ts'
import { RunStore } from '../../src/store/index.ts'

const dir = mkdtempSync(join(tmpdir(), 'usersim-rb-'))
const db = join(dir, 'runs.db')

function withStore<T>(fn: (s: RunStore) => T): T {
  const s = new RunStore(db)
  try {
    return fn(s)
  } finally {
    s.close()
  }
}

describe('rollback, branch, interview', () => {
  let original: RunResult
  let hash: string

  beforeAll(async () => {
    const { config } = await buildRunConfig('feed', { agents: 300, rounds: 5, catalogSize: 400, seed: 5, recovery: { keepCheckpoints: 0, critics: 'on' } })
    original = await launchRun(config, { db, threads: 0, shards: 3 })
    hash = withStore((s) => s.eventsHash(original.runId))
  }, 60_000)

  it('rollback then resume gives the same result as the original', async () => {
    const rb = rollbackRun(db, original.runId, 1)
    expect(rb.deleted.events).toBe(3 * 300)
    expect(rb.checkpointsDropped).toBe(3)
    withStore((s) => {
      expect(s.getRun(original.runId).status).toBe('interrupted')
      expect(s.getRounds(original.runId).map((r) => r.round)).toEqual([0, 1])
      expect(s.db.prepare('SELECT max(round) FROM corrections WHERE run_id = ?').pluck().get(original.runId)).toBeLessThanOrEqual(1)
    })
    const resumed = await resumeRun(db, original.runId, { threads: 0, shards: 2 })
    expect(resumed.fromRound).toBe(2)
    // The summary counts the run's own totals; what this call did is named as such.
    expect(resumed.result.agentSteps).toBe(original.agentSteps)
    expect(resumed.result.invocation).toMatchObject({ fromRound: 2, agentSteps: original.rounds.slice(2).reduce((n, m) => n + m.agents, 0) })
    expect(resumed.result.rounds).toEqual(original.rounds)
    expect(resumed.result.summary).toEqual(original.summary)
    expect(withStore((s) => s.eventsHash(original.runId))).toBe(hash)
  }, 60_000)

  it('a finished run is not resumed', async () => {
    await expect(resumeRun(db, original.runId, { threads: 0 })).rejects.toThrow(/already finished all 5 rounds/)
  })

  it('rollback to a round without a checkpoint is refused, naming what exists', async () => {
    const { config } = await buildRunConfig('feed', { agents: 50, rounds: 4, catalogSize: 300, recovery: { checkpointEvery: 2 } })
    const r = await launchRun(config, { db, threads: 0 })
    expect(withStore((s) => listCheckpoints(s.db, r.runId).map((c) => c.round))).toEqual([1, 3])
    expect(() => rollbackRun(db, r.runId, 2)).toThrow(/has no checkpoint of round 2|checkpoint of round 2 .* is missing .*round 1, 3/)
  }, 60_000)

  it('a branch with another policy shares the history up to its round and diverges only after it', async () => {
    const b = await branchRun(db, original.runId, 2, { policy: 'random' }, { threads: 0 })
    expect(b.warmStarted).toBe(true)
    withStore((s) => {
      const run = s.getRun(b.runId)
      expect([run.parentRun, run.parentRound, run.config.policy]).toEqual([original.runId, 2, 'random'])
      expect(s.eventsHash(b.runId, 2)).toBe(s.eventsHash(original.runId, 2))
      expect(s.eventsHash(b.runId, 3)).not.toBe(s.eventsHash(original.runId, 3))
      expect(s.db.prepare('SELECT count(*) FROM agents WHERE run_id = ?').pluck().get(b.runId)).toBe(300)
    })
    expect(b.result.rounds.slice(0, 3)).toEqual(original.rounds.slice(0, 3))
    expect(b.result.rounds[3]).not.toEqual(original.rounds[3])
  }, 60_000)

  it('a branch with the same policy reproduces the parent (nothing changed but the run id)', async () => {
    const b = await branchRun(db, original.runId, 1, {}, { threads: 0 })
    expect(b.warmStarted).toBe(false)
    expect(withStore((s) => s.eventsHash(b.runId))).toBe(hash)
  }, 60_000)

  it('a branch whose --set would change the world is refused; one that does not is allowed', async () => {
    const scenario = new URL('../fixtures/checkpoint-world-scenario.ts', import.meta.url).pathname
    const { config } = await buildRunConfig(scenario, {})
    const r = await launchRun(config, { db, threads: 0 })
    await expect(branchRun(db, r.runId, 0, { params: { shift: 1 } }, { threads: 0 })).rejects.toThrow(/change the catalog or the population/)
    await expect(branchRun(db, r.runId, 0, { params: { shift: 0 } }, { threads: 0 })).resolves.toMatchObject({ parentRound: 0 })
  }, 60_000)

  it('interview: answers from the agent state, recorded, the run unchanged', async () => {
    const before = withStore((s) => s.eventsHash(original.runId))
    const a = await interviewAgent(db, original.runId, 12, 'What do you like about the feed?')
    expect(a.round).toBe(4)
    expect(a.answer.length).toBeGreaterThan(10)
    const again = await interviewAgent(db, original.runId, 12, 'What do you like about the feed?', { round: 4 })
    expect(again.answer).toEqual(expect.any(String))
    withStore((s) => {
      expect(s.db.prepare('SELECT count(*) FROM interviews WHERE run_id = ? AND agent_id = 12').pluck().get(original.runId)).toBe(2)
      expect(s.eventsHash(original.runId)).toBe(before)
    })
    await expect(interviewAgent(db, original.runId, 300, 'hi')).rejects.toThrow(/--agent must be between 0 and 299/)
  }, 60_000)

  it('corrections export: SFT and preference pairs without hidden fields, and a dataset card', () => {
    const out = join(dir, 'export')
    const res = withStore((s) => writeCorrections(s, original.runId, out))
    expect(res.records).toBeGreaterThan(0)
    const sft = readFileSync(join(out, 'sft.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    const pref = readFileSync(join(out, 'preference.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(sft[0]).toMatchObject({ run_id: original.runId, seed: 5, layer: 'agent', completion: expect.any(String), prompt: expect.any(Array) })
    expect(sft[0].input.hidden).toBeUndefined()
    expect(pref[0].chosen).not.toEqual(pref[0].rejected)
    expect(existsSync(join(out, 'README.md'))).toBe(true)
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toMatch(/preference\.jsonl/)
  })
})
