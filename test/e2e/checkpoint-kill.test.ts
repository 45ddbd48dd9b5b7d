import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { cli, eventsHash, onlyRunId, runAndKillAt, runAndKillWhen, tempDir } from '../helpers/checkpoint-cli.ts'

// Small runs: the point is where the process dies, not how much it computes.
const RUN = ['run', 'feed', '--agents', '240', '--rounds', '5', '--catalog', '400', '--seed', '7', '--shards', '3']

interface RunJson {
  agentSteps: number
  runId: string
  rounds: unknown[]
  summary: unknown
  stopped: boolean
}

describe('kill -9 of the orchestrator, then resume', () => {
  const dir = tempDir()
  let baseline: { json: RunJson; hash: string }

  beforeAll(async () => {
    const db = join(dir, 'baseline.db')
    const r = await cli([...RUN, '--threads', '0', '--db', db, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const json = JSON.parse(r.stdout) as RunJson
    baseline = { json, hash: eventsHash(db, json.runId) }
  }, 120_000)

  async function resumeAndCompare(db: string, threads = '0') {
    const runId = onlyRunId(db)
    const r = await cli(['resume', runId, '--db', db, '--threads', threads, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const json = JSON.parse(r.stdout) as RunJson
    expect(json.runId).toBe(runId)
    expect(json.rounds).toEqual(baseline.json.rounds)
    expect(json.summary).toEqual(baseline.json.summary)
    // The run's own total, not this command's share (that is under `invocation`).
    expect(json.agentSteps).toBe(baseline.json.agentSteps)
    expect(eventsHash(db, runId)).toBe(baseline.hash)
  }

  it.each([
    ['mid-round (after the first shard of round 2)', 'shard:2:1'],
    // Round 1 is committed but its checkpoint is not: resume must drop round 1 and redo it.
    ['mid-checkpoint (inside the transaction of round 1)', 'checkpoint:1'],
    ['in the first round, before any checkpoint', 'shard:0:2'],
  ])('%s', async (_what, hold) => {
    const db = join(dir, `${hold.replace(/:/g, '_')}.db`)
    await runAndKillAt([...RUN, '--threads', '0', '--db', db, '--json'], hold, dir)
    await resumeAndCompare(db)
  }, 120_000)

  it('at an arbitrary moment with worker threads (as soon as round 1 is under way)', async () => {
    const db = join(dir, 'threads.db')
    await runAndKillWhen([...RUN, '--threads', '2', '--db', db, '--json'], db, (s) => {
      const rounds = s.getRounds(s.listRuns()[0]?.id ?? '')
      return rounds.some((r) => r.round >= 1)
    })
    await resumeAndCompare(db, '2')
  }, 120_000)

  it('Ctrl-C stops after the current round (checkpointed, status interrupted); resume finishes it', async () => {
    const db = join(dir, 'sigint.db')
    // Ctrl-C arrives while round 1 is being finished; the run stops after it.
    const r = await runAndKillAt([...RUN, '--threads', '0', '--db', db, '--json'], 'round:1', dir, { signal: 'SIGINT', holdMs: 1500 })
    // Stopped before its last round: non-zero for scripts (the shell's 128 + SIGINT).
    expect(r.code).toBe(130)
    const stopped = JSON.parse(r.stdout) as RunJson
    expect(stopped.stopped).toBe(true)
    expect(stopped.rounds).toHaveLength(2)
    await resumeAndCompare(db)
  }, 120_000)

})
