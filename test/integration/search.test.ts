import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import '../../src/datasets/formats/index.ts'
import { exportFormat } from '../../src/datasets/export-registry.ts'
import { impressionRecord } from '../../src/datasets/formats/index.ts'
import { readJsonl } from '../../src/datasets/jsonl.ts'
import { queryKey } from '../../src/core/index.ts'
import { buildRunConfig } from '../../src/runner/index.ts'
import { iterateEvents, RunStore } from '../../src/store/index.ts'
import { tempDir } from '../helpers/cli.ts'
import { launchRun, resumeRun } from '../helpers/launch.ts'
import { rollbackRun } from '../../src/recovery/rollback.ts'
import { seen } from '../fixtures/search-spy-scenario.ts'

const SPY = join(import.meta.dirname, '..', 'fixtures', 'search-spy-scenario.ts')

describe('the search scenario', () => {
  it('hands each query and its anchors to the policy; the anchors come from earlier rounds only and the export holds exactly them', async () => {
    const dir = tempDir('usersim-search-')
    const db = join(dir, 's.db')
    const { config } = await buildRunConfig(SPY, { agents: 400, rounds: 4, catalogSize: 600, seed: 9, policy: 'spy' })
    seen.clear()
    const { runId, summary } = await launchRun(config, { db, threads: 0 })
    expect(summary.searches).toBeGreaterThan(0)
    expect(summary.orders).toBeGreaterThan(0)
    const store = new RunStore(db)
    try {
      await exportFormat('impressions')!.write(store, runId, join(dir, 'imp'), {})
      const rows = readJsonl(join(dir, 'imp', 'impressions.jsonl'), impressionRecord)
      const events = [...iterateEvents(store, runId)].filter((e) => e.present)
      expect(rows.length).toBe(events.length)
      let withAnchors = 0
      // What was shown for each query key, and in which rounds.
      const shownIn = new Map<string, Map<number, number>>()
      for (const r of rows) {
        const key = queryKey(r.query)
        const view = seen.get(r.request_id) as { query: string; reformulation: boolean; anchors: typeof r.anchors }
        // The policy got the very query and anchors the log holds.
        expect(view).toEqual({ query: r.query, reformulation: r.reformulation, anchors: r.anchors })
        const earlier = shownIn.get(key) ?? new Map<number, number>()
        const all = [...r.anchors.purchased, ...r.anchors.clicked, ...r.anchors.impressed]
        if (all.length) withAnchors++
        if (r.ts === 0) expect(all).toEqual([])
        // No leakage: every anchor was shown for this query in a round before this one.
        for (const item of all) expect(earlier.get(item) ?? Infinity).toBeLessThan(r.ts)
        // Labels nest, and match the events.
        r.items.forEach((_, j) => expect(r.ordered[j]! <= r.carted[j]! && r.carted[j]! <= r.clicked[j]!).toBe(true))
        for (const item of r.items) if (!earlier.has(item)) earlier.set(item, r.ts)
        shownIn.set(key, earlier)
      }
      expect(withAnchors).toBeGreaterThan(0)
      const funnel = readFileSync(join(dir, 'imp', 'funnel.csv'), 'utf8').trimEnd().split('\n')
      expect(funnel[0]).toBe('request_id,ts,user_id,query,item_id,position,exposed,clicked,carted,ordered')
      expect(funnel.length - 1).toBe(rows.reduce((n, r) => n + r.items.length, 0))
      // Reformulations follow a page with no click, by the same user, in the round before.
      const byKey = new Map(rows.map((r) => [r.request_id, r]))
      const reformulations = rows.filter((r) => r.reformulation)
      expect(reformulations.length).toBeGreaterThan(0)
      for (const r of reformulations) {
        const before = byKey.get(`${r.ts - 1}-${r.user_id}`)
        expect(before).toBeDefined()
        expect(before!.clicked.every((c) => c === 0)).toBe(true)
      }
    } finally {
      store.close()
    }
  }, 180_000)

  it('gives the same events and metrics inline and on two threads (bm25-bpr, anchors on)', async () => {
    const dir = tempDir('usersim-search-det-')
    const { config } = await buildRunConfig('search', { agents: 300, rounds: 3, catalogSize: 500, seed: 4, policy: 'bm25-bpr', policyOptions: { anchors: 0.5 } })
    const a = await launchRun(config, { db: join(dir, 'a.db'), threads: 0 })
    const b = await launchRun(config, { db: join(dir, 'b.db'), threads: 2, shards: 5 })
    const sa = new RunStore(join(dir, 'a.db'))
    const sb = new RunStore(join(dir, 'b.db'))
    try {
      expect(sa.eventsHash(a.runId)).toBe(sb.eventsHash(b.runId))
      expect(a.rounds).toEqual(b.rounds)
      // Every present searcher searched.
      expect(a.summary.searches).toBe(a.rounds.reduce((n, m) => n + m.present, 0))
    } finally {
      sa.close()
      sb.close()
    }
  }, 180_000)

  it('a rollback and resume restores the anchor counts with the policy state: the same events', async () => {
    const dir = tempDir('usersim-search-resume-')
    const db = join(dir, 'r.db')
    const { config } = await buildRunConfig('search', { agents: 250, rounds: 4, catalogSize: 400, seed: 6, policy: 'bm25-bpr', policyOptions: { anchors: 1 }, recovery: { keepCheckpoints: 0 } })
    const original = await launchRun(config, { db, threads: 0, shards: 2 })
    const hashOf = () => {
      const s = new RunStore(db)
      try {
        return s.eventsHash(original.runId)
      } finally {
        s.close()
      }
    }
    const hash = hashOf()
    rollbackRun(db, original.runId, 1)
    const resumed = await resumeRun(db, original.runId, { threads: 0, shards: 3 })
    expect(resumed.fromRound).toBe(2)
    expect(resumed.result.rounds).toEqual(original.rounds)
    expect(hashOf()).toBe(hash)
  }, 180_000)
})
