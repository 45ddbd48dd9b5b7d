import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildRunConfig } from '../../src/runner/index.ts'
import { tempDir } from '../helpers/cli.ts'
import { launchRun, resumeRun } from '../helpers/launch.ts'
import { socialHashes } from '../helpers/social.ts'

// Messages are delivered between rounds in canonical order: the same seed gives the same
// events and the same messages however agents are split into shards and threads, and a
// resume from a checkpoint delivers exactly the messages the interrupted run had sent.
describe('social layer: determinism across threads, shards and resume', () => {
  it('inline, 1 thread and 2 threads with other shard counts agree on events, messages and metrics', async () => {
    const dir = tempDir()
    const { config } = await buildRunConfig('social-feed', { agents: 800, rounds: 4, catalogSize: 600, ndcgSample: 100, seed: 3 })
    const variants = [
      { threads: 0, shards: 1 },
      { threads: 1, shards: 3 },
      { threads: 2, shards: 7 },
    ]
    const out = []
    for (const [i, v] of variants.entries()) {
      const db = join(dir, `run${i}.db`)
      const r = await launchRun(config, { db, ...v })
      out.push({ ...socialHashes(db, r.runId), rounds: r.rounds })
    }
    // Word of mouth happened: shares were sent, delivered and clicked.
    expect(out[0]!.count).toBeGreaterThan(100)
    expect(out[0]!.rounds.slice(1).some((m) => (m.custom.friendClicks ?? 0) > 0)).toBe(true)
    for (const o of out.slice(1)) {
      expect(o.events).toBe(out[0]!.events)
      expect(o.messages).toBe(out[0]!.messages)
      expect(o.rounds).toEqual(out[0]!.rounds)
    }
  }, 120_000)

  it('a run stopped after round 1 and resumed (another shard count) equals the uninterrupted run', async () => {
    const dir = tempDir()
    const { config } = await buildRunConfig('social-feed', { agents: 400, rounds: 4, catalogSize: 500, seed: 11 })
    const full = await launchRun(config, { db: join(dir, 'full.db'), threads: 0, shards: 2 })
    const db = join(dir, 'stopped.db')
    let rounds = 0
    const stopped = await launchRun(config, { db, threads: 0, shards: 2, shouldStop: () => ++rounds >= 2 })
    expect(stopped.stopped).toBe(true)
    const resumed = await resumeRun(db, stopped.runId, { threads: 0, shards: 3 })
    expect(resumed.fromRound).toBe(2)
    const a = socialHashes(join(dir, 'full.db'), full.runId)
    const b = socialHashes(db, stopped.runId)
    expect(a.count).toBeGreaterThan(0)
    expect(b).toEqual(a)
    expect(resumed.result.rounds).toEqual(full.rounds)
  }, 120_000)

  it('without the social layer (--set social=false) nobody messages and the feed world is unchanged', async () => {
    const dir = tempDir()
    const { config } = await buildRunConfig('social-feed', { agents: 300, rounds: 2, catalogSize: 400, seed: 5, params: { social: 'false' } })
    const r = await launchRun(config, { db: join(dir, 'off.db'), threads: 0 })
    expect(socialHashes(join(dir, 'off.db'), r.runId).count).toBe(0)
    expect(r.rounds.every((m) => m.custom.friendClicks === 0)).toBe(true)
  }, 60_000)
})
