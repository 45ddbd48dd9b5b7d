import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildRunConfig } from '../../src/runner/index.ts'
import { launchRun } from '../helpers/launch.ts'
import { RunStore } from '../../src/store/index.ts'
import { rollbackRun } from '../../src/recovery/rollback.ts'
import { ReportBuilder, type ReportData } from '../../src/report/report-data.ts'
import { tempDir } from '../helpers/cli.ts'

// The report's figures come from two places (the per-round metrics the run stored, and
// passes over the events table); here they must agree with each other and with the events.
describe('report data from a real run', () => {
  it('agrees with the stored metrics, reads stories from the events, and builds the same data incrementally', async () => {
    const db = join(tempDir('usersim-report-'), 'r.db')
    const { config } = await buildRunConfig('feed', { agents: 400, rounds: 4, catalogSize: 300, ndcgSample: 50 })
    // A builder reading while the run writes (as the live page does), on its own connection.
    const liveStore = { current: null as RunStore | null }
    const liveBuilds: Promise<ReportData>[] = []
    let live: ReportBuilder | null = null
    const result = await launchRun(config, {
      db,
      threads: 0,
      on: {
        'round:done': () => {
          liveStore.current ??= new RunStore(db, { readonly: true })
          live ??= new ReportBuilder(liveStore.current, {}, true)
          const runId = liveStore.current.listRuns()[0]!.id
          liveBuilds.push(live.build([runId]))
        },
      },
    })
    const partial = await Promise.all(liveBuilds)
    expect(partial.length).toBe(4)
    const store = new RunStore(db, { readonly: true })
    const data = await new ReportBuilder(store, { stories: 4 }).build([result.runId])
    const run = data.runs[0]!

    // Rounds and summary are the stored ones.
    expect(run.rounds.map((r) => r.round)).toEqual([0, 1, 2, 3])
    for (const [i, r] of run.rounds.entries()) {
      expect(r.metrics.satisfaction).toBe(result.rounds[i]!.satisfaction)
      expect(r.satisfactionHist).toEqual(result.rounds[i]!.satisfactionHist)
    }
    expect(run.summary).toEqual(result.summary)
    expect(run.progress).toMatchObject({ roundsDone: 4, roundsTotal: 4, runningRound: null })
    expect(data.metrics.map((m) => m.key)).toContain('ctr')

    // The streaming pass over events matches the per-round counts.
    const sum = (k: 'impressions' | 'clicks' | 'ratings') => result.rounds.reduce((s, m) => s + m[k], 0)
    expect(run.exposure.impressions).toBe(sum('impressions'))
    expect(run.ratings.reduce((a, b) => a + b, 0)).toBe(sum('ratings'))
    expect(run.exposure.items).toBe(300)
    expect(run.exposure.itemsShown / run.exposure.items).toBeCloseTo(result.summary.coverage, 6)
    expect(run.exposure.gini).toBeCloseTo(result.summary.gini, 3)
    expect(run.exposure.top[0]!.impressions).toBe(run.exposure.curve[0]![1])

    // Stories: seeded, read from the events, every shown item named.
    expect(run.stories).toHaveLength(4)
    const again = await new ReportBuilder(store, { stories: 4 }).build([result.runId])
    expect(again.runs[0]!.stories).toEqual(run.stories)
    const ev = store.db.prepare('SELECT slate, clicks, satisfaction FROM events WHERE run_key = ? AND round = ? AND agent_id = ?')
    for (const s of run.stories) {
      expect(s.personaName).toBeTruthy()
      expect(s.persona.map(([k]) => k)).not.toContain('hidden')
      expect(s.rounds.length).toBe(4)
      for (const r of s.rounds) {
        const row = ev.get(store.runKey(result.runId), r.round, s.agent) as { slate: string; clicks: string; satisfaction: number }
        expect(r.shown.join(',')).toBe(row.slate)
        expect(r.clicks.join(',')).toBe(row.clicks)
        expect(r.satisfaction).toBeCloseTo(row.satisfaction, 4)
        for (const i of r.shown) expect(run.items[i]!.title).toMatch(/\w/)
      }
    }
    const saidInStories = run.stories.flatMap((s) => s.rounds.flatMap((r) => r.said))
    expect(saidInStories.length).toBeGreaterThan(0)

    // The live builder, fed round by round, ends with the same figures as a fresh one.
    const last = await live!.build([result.runId])
    expect(last.runs[0]!.exposure).toEqual(run.exposure)
    expect(last.runs[0]!.ratings).toEqual(run.ratings)
    expect(partial[0]!.runs[0]!.rounds.length).toBeGreaterThanOrEqual(1)

    // A rollback removes rounds: the live builder notices and counts again from scratch.
    rollbackRun(db, result.runId, 1)
    const rolled = await live!.build([result.runId])
    const fresh = await new ReportBuilder(store).build([result.runId])
    expect(rolled.runs[0]!.rounds.map((r) => r.round)).toEqual([0, 1])
    expect(rolled.runs[0]!.exposure).toEqual(fresh.runs[0]!.exposure)
    expect(rolled.runs[0]!.exposure.impressions).toBe(result.rounds[0]!.impressions + result.rounds[1]!.impressions)
    liveStore.current?.close()
    store.close()
  })

  it('overlays several runs and refuses an unknown one', async () => {
    const db = join(tempDir('usersim-report-'), 'r.db')
    const ids = []
    for (const policy of ['popularity', 'random']) {
      const { config } = await buildRunConfig('feed', { agents: 150, rounds: 2, catalogSize: 200, policy, ndcgSample: 20 })
      ids.push((await launchRun(config, { db, threads: 0 })).runId)
    }
    const store = new RunStore(db, { readonly: true })
    const data = await new ReportBuilder(store, { stories: 1 }).build(ids)
    expect(data.runs.map((r) => r.config.policy)).toEqual(['popularity', 'random'])
    expect(data.runs[0]!.exposure.gini).toBeGreaterThan(data.runs[1]!.exposure.gini)
    // Same population: the stories follow the same users under both policies.
    expect(data.runs[1]!.stories.map((s) => s.agent)).toEqual(data.runs[0]!.stories.map((s) => s.agent))
    expect(data.runs[1]!.stories[0]!.rounds[0]!.shown).not.toEqual(data.runs[0]!.stories[0]!.rounds[0]!.shown)
    await expect(new ReportBuilder(store).build(['no-such-run'])).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' })
    store.close()
  })
})
