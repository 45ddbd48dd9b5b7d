import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readTaskTraces } from '../../src/datasets/traces-repo.ts'
import { buildRunConfig } from '../../src/runner/index.ts'
import { RunStore } from '../../src/store/index.ts'
import { tempDir } from '../helpers/cli.ts'
import { launchRun } from '../helpers/launch.ts'

// recgpt end to end on the surrogates: the same events however the work is split; its
// explanations reach the users and move them; its judge filters false claims.
describe('the recgpt policy in a run', () => {
  const dir = tempDir('usersim-recgpt-')
  const run = async (name: string, policyOptions: Record<string, unknown>, v: { threads: number; shards?: number }) => {
    const { config } = await buildRunConfig('feed', { agents: 240, rounds: 3, policy: 'recgpt', catalogSize: 600, ndcgSample: 60, policyOptions })
    const db = join(dir, `${name}.db`)
    const r = await launchRun(config, { db, ...v })
    const store = new RunStore(db)
    try {
      return { r, hash: store.eventsHash(r.runId), traces: readTaskTraces(store.db, store.runKey(r.runId), ['rate-explanations', 'judge-explanations']) }
    } finally {
      store.close()
    }
  }

  it('gives the same events and metrics inline and on 2 threads with other shards', async () => {
    const a = await run('inline', {}, { threads: 0 })
    const b = await run('threads', {}, { threads: 2, shards: 5 })
    expect(a.r.summary.clicks).toBeGreaterThan(0)
    expect(b.hash).toBe(a.hash)
    expect(b.r.rounds).toEqual(a.r.rounds)
    const last = a.r.rounds.at(-1)!.custom
    expect(last['recgpt.interest.precision']).toBeGreaterThan(0)
    // The surrogate judge checks claims against the item itself: it agrees with the truth on factuality.
    expect(last['judge.explanation.factuality.acc']).toBe(1)
    expect(a.traces.filter((t) => t.task === 'rate-explanations').length).toBeGreaterThan(200)
  }, 240_000)

  it('false claims mislead users when nobody filters them, and the judge filters them', async () => {
    const off = await run('judge-off', { hallucination: 1, judge: 'off' }, { threads: 0 })
    const filter = await run('judge-filter', { hallucination: 1, judge: 'filter' }, { threads: 0 })
    const misled = (x: typeof off) => x.r.rounds.slice(1).reduce((s, m) => s + (m.custom['recgpt.explanation.misled-clicks'] ?? 0), 0)
    expect(misled(off)).toBeGreaterThan(0.05)
    expect(misled(filter)).toBeLessThan(misled(off) / 4)
    expect(filter.r.rounds.at(-1)!.custom['recgpt.explanation.rejected']).toBeGreaterThan(0.2)
    expect(off.traces.some((t) => t.task === 'judge-explanations')).toBe(false)
    // Misled users end less satisfied than users shown checked explanations.
    expect(off.r.summary.finalSatisfaction).toBeLessThan(filter.r.summary.finalSatisfaction)
  }, 240_000)

  it('without explanations, users see none and rate none', async () => {
    const none = await run('no-explain', { explain: false }, { threads: 0 })
    expect(none.traces).toHaveLength(0)
    expect(none.r.rounds.at(-1)!.custom['recgpt.explanation.rejected']).toBeNaN()
  }, 240_000)
})
