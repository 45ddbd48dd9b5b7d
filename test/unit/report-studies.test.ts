import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import Database from 'better-sqlite3'
import * as echarts from 'echarts'
import { describe, expect, it } from 'vitest'
import { renderReportHtml } from '../../src/report/render-html.ts'
import type { ReportData } from '../../src/report/report-data.ts'
import { parseReportTargets, recordStudy, studyReports } from '../../src/report/studies.ts'
import { getStudy, listStudyIds, studiesOfRuns } from '../../src/report/studies-repo.ts'
import { distributionFits, ranksDescending, studyReport } from '../../src/report/study-views.ts'
import { RunStore } from '../../src/store/index.ts'
import { COMPARE_RESULT, RANKING_RESULT } from '../fixtures/study-results.ts'
import { tempDir } from '../helpers/cli.ts'

const row = (kind: 'compare' | 'ranking', result: unknown) => ({ id: `${kind}-x`, kind, createdAt: '2026-11-30T20:00:00.000Z', result, runs: ['r1', 'r2'] })

describe('study views', () => {
  it('ranks descending, ties sharing the mean of their places', () => {
    expect(ranksDescending([0.1, 0.3, 0.2])).toEqual([3, 1, 2])
    expect(ranksDescending([0.5, 0.2, 0.5, 0.1])).toEqual([1.5, 3, 1.5, 4])
    expect(ranksDescending([])).toEqual([])
  })

  it('a compare study: the metrics labelled, the baseline named, the stored estimates as they are', () => {
    const s = studyReport(row('compare', COMPARE_RESULT))
    expect(s.ranking).toBeNull()
    expect(s.notes).toEqual([])
    const c = s.compare!
    expect(c.baseline).toBe('popularity')
    expect(c.metrics).toEqual([
      { key: 'ctr', label: 'CTR', format: 'share' },
      { key: 'satisfaction', label: 'satisfaction', format: 'number' },
      { key: 'clicksPerVisit', label: 'clicks per visit', format: 'number' },
      { key: 'visits', label: 'visits', format: 'number' },
    ])
    expect(c.differences[1]!.metrics.satisfaction).toEqual({ value: 0.05, lo: 0.043, hi: 0.058, p: 0, verdict: 'higher' })
    expect(c.seeds).toEqual([42, 43])
  })

  it('a ranking study: each agreement pair with the policies\' estimates and ranks on both sides, and the verdicts against popularity', () => {
    const s = studyReport(row('ranking', RANKING_RESULT))
    expect(s.notes).toEqual([])
    const r = s.ranking!
    expect(r.pairs.map((p) => `${p.offline}/${p.simulated}`)).toEqual(['ndcg/ctr', 'recall/ctr', 'hit/ctr', 'ndcg/satisfaction', 'hit/heldOutHit'])
    const primary = r.pairs[0]!
    expect(primary).toMatchObject({ primary: true, offlineLabel: 'NDCG@10 (real)', simulatedLabel: 'CTR (simulated)' })
    expect(r.pairs.slice(1).every((p) => !p.primary)).toBe(true)
    // NDCG: cooccurrence 0.089 > popularity 0.088 > bpr 0.085 > random; CTR: popularity > bpr > cooccurrence > random.
    expect(primary.points.map((p) => [p.label, p.xRank, p.yRank])).toEqual([
      ['random', 4, 4],
      ['popularity', 2, 1],
      ['cooccurrence', 1, 3],
      ['bpr', 3, 2],
    ])
    expect(primary.points[1]!.x).toEqual(RANKING_RESULT.policies[1]!.offline.ndcg)
    expect(primary.points[1]!.y).toEqual(RANKING_RESULT.policies[1]!.simulated.ctr)
    expect(r.pairs[4]!.points[0]!.y).toEqual(RANKING_RESULT.policies[0]!.simulated.heldOutHit)
    expect(r.vsPopularity.map((v) => v.verdict)).toEqual(['simulation agrees', 'offline: not separable from popularity', 'simulation DISAGREES'])
  })

  it('groups the distributions by quantity (real once, each policy simulated) and tables the JS divergence per policy', () => {
    const r = studyReport(row('ranking', RANKING_RESULT)).ranking!
    expect(r.distributions!.map((d) => d.quantity)).toEqual(['rating', 'itemsPerSession', 'clicksPerSlate'])
    const rating = r.distributions![0]!
    expect(rating.real).toEqual([0.05, 0.1, 0.25, 0.35, 0.25])
    expect(rating.simulated.map((x) => x.policy)).toEqual(['popularity', 'random'])
    expect(rating.simulated[1]!.shares).toEqual([0.1, 0.2, 0.3, 0.3, 0.1])
    const clicks = r.distributions![2]!
    expect(clicks.real).toBeNull()
    expect(clicks.notes).toEqual(['MovieLens has no impressions: no real clicks per slate'])
    expect(r.divergence).toEqual({
      quantities: [
        { quantity: 'rating', label: 'Ratings (1–5 stars)' },
        { quantity: 'itemsPerSession', label: 'Items per session' },
        { quantity: 'clicksPerSlate', label: 'Clicks per slate' },
      ],
      rows: [
        { policy: 'popularity', js: [0.0123, 0.021, null] },
        { policy: 'random', js: [0.0456, 0.089, null] },
      ],
    })
  })

  it('a ranking result without distributions (older eval ranking) has none, and no note', () => {
    const { distributions: _, ...older } = RANKING_RESULT
    const s = studyReport(row('ranking', older))
    expect(s.ranking!.distributions).toBeNull()
    expect(s.ranking!.divergence).toBeNull()
    expect(s.notes).toEqual([])
  })

  it('leaves out malformed distribution entries with a note naming them', () => {
    const notes: string[] = []
    const good = RANKING_RESULT.distributions[0]
    const fits = distributionFits([good, { ...good, quantity: 'dwell' }, { ...good, simulated: [0.5, 0.5] }, { ...good, real: [1] }], notes)
    expect(fits).toEqual([good])
    expect(notes).toHaveLength(3)
    expect(notes[0]).toMatch(/^distributions\[1\] cannot be read \(quantity: /)
    expect(notes[1]).toMatch(/^distributions\[2\] \(rating, popularity\): 5 bins but 2 simulated and 5 real shares; left out/)
    expect(notes[2]).toMatch(/^distributions\[3\] .*5 bins but 5 simulated and 1 real shares/)
  })

  it('a stored result the report cannot read becomes a note, not an exception', () => {
    const s = studyReport(row('compare', { scenario: 'feed', policies: [] }))
    expect(s.compare).toBeNull()
    expect(s.notes[0]).toMatch(/^the stored compare result cannot be read \(/)
    expect(studyReport(row('ranking', 42)).notes[0]).toMatch(/ranking result cannot be read/)
  })
})

describe('the studies table', () => {
  it('stores a study with its runs, finds it by id, by a run, and as the newest; a bad name is a clear error', () => {
    const db = join(tempDir('usersim-studies-'), 's.db')
    const a = recordStudy(db, 'compare', COMPARE_RESULT, ['feed-a1', 'feed-b1', 'feed-a2', 'feed-b2'])
    const b = recordStudy(db, 'ranking', RANKING_RESULT, ['movielens-r', 'movielens-p'])
    expect(a).toMatch(/^compare-\d{8}-\d{6}-[0-9a-f]{4}$/)
    expect(b).toMatch(/^ranking-/)
    const store = new RunStore(db, { readonly: true })
    try {
      expect(getStudy(store.db, a)).toMatchObject({ id: a, kind: 'compare', runs: ['feed-a1', 'feed-b1', 'feed-a2', 'feed-b2'], result: COMPARE_RESULT })
      // Newest first (a tie within the millisecond goes to the greater id, here the ranking study too).
      expect(listStudyIds(store.db)).toEqual([b, a])
      expect(listStudyIds(store.db, 'compare')).toEqual([a])
      expect(studiesOfRuns(store.db, ['feed-b2', 'other'])).toEqual([a])
      expect(studiesOfRuns(store.db, ['other'])).toEqual([])
      expect(parseReportTargets(`study:${b},feed-a1`, store)).toEqual({ runs: ['feed-a1'], studies: [b] })
      expect(parseReportTargets('study:latest', store).studies).toEqual([b])
      expect(() => parseReportTargets('study:nope', store)).toThrow(/no study "nope" in .*s\.db \(newest: /)
      // Named first, then those that made a run named; each once.
      expect(studyReports(store, [b], ['feed-a2', 'movielens-p']).map((s) => s.id)).toEqual([b, a])
    } finally {
      store.close()
    }
  })

  it('a database from before the studies table has no study (read-only, nothing migrated)', () => {
    const db = join(tempDir('usersim-studies-'), 'old.db')
    new Database(db).close()
    const store = new RunStore(db, { readonly: true })
    try {
      expect(listStudyIds(store.db)).toEqual([])
      expect(studiesOfRuns(store.db, ['x'])).toEqual([])
      expect(() => parseReportTargets('study:latest', store)).toThrow(/no study at all in .*old\.db \(run `npx usersim compare`/)
    } finally {
      store.close()
    }
  })
})

describe('study sections of the page', () => {
  const data = (): ReportData => ({
    format: 1,
    generatedAt: '2026-11-30T20:00:00.000Z',
    db: 's.db',
    live: false,
    metrics: [],
    runs: [],
    studies: [studyReport(row('compare', COMPARE_RESULT)), studyReport({ ...row('ranking', RANKING_RESULT), id: 'ranking-</script><b>x' })],
  })

  it('embeds the studies in the page, escaped, and names them in the title', () => {
    const html = renderReportHtml(data())
    expect(html).toContain('<title>usersim report — compare-x, ranking-&lt;/script&gt;&lt;b&gt;x</title>')
    expect(html).not.toContain('ranking-</script>')
    const json = /<script type="application\/json" id="usersim-data">(.*?)<\/script>/s.exec(html)![1]!
    expect((JSON.parse(json) as ReportData).studies).toEqual(data().studies)
    expect(html).toContain('usersimStudySections')
  })

  // The page's chart options, loaded as the page inlines them and drawn by ECharts.
  const sandbox: { usersimStudyCharts?: Record<string, (...a: unknown[]) => Record<string, unknown>> } = {}
  runInNewContext(readFileSync(new URL('../../src/report/client/study-sections.js', import.meta.url), 'utf8'), sandbox)
  const charts = sandbox.usersimStudyCharts!
  const draw = (option: Record<string, unknown>) => {
    const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 500, height: 300 })
    try {
      chart.setOption(option)
      return chart.renderToSVGString()
    } finally {
      chart.dispose()
    }
  }

  it('draws the forest plot: one point and one whisker per policy, the zero line, axes holding every interval', () => {
    const rows = [
      { label: 'random', value: -0.02, lo: -0.035, hi: -0.008, color: '#b42318' },
      { label: 'oracle', value: 0.015, lo: 0.006, hi: 0.024, color: '#17803d' },
    ]
    const o = charts.whiskerOption!(rows, 'share', { zero: true }) as { xAxis: { min: number; max: number }; series: Array<{ markLine: { data: unknown[] } }> }
    expect(o.xAxis.min).toBeLessThan(-0.035)
    expect(o.xAxis.max).toBeGreaterThan(0.024)
    expect(o.series[0]!.markLine.data).toHaveLength(3)
    const svg = draw(o as unknown as Record<string, unknown>)
    expect(svg).toContain('random')
    expect(svg).toMatch(/-2\.00 pp|\+1\.00 pp|0\.00 pp/)
  })

  it('draws the agreement scatter, the rank-vs-rank view and the grouped distribution bars', () => {
    const r = studyReport(row('ranking', RANKING_RESULT)).ranking!
    const p = r.pairs[0]!
    const xy = charts.agreementOption!(p.points, p.offlineLabel, p.simulatedLabel) as { series: Array<{ markLine: { data: unknown[] } }> }
    expect(xy.series[0]!.markLine.data).toHaveLength(2 * p.points.length)
    expect(draw(xy as unknown as Record<string, unknown>)).toContain('cooccurrence')
    const rank = charts.rankOption!(p.points, p.offlineLabel, p.simulatedLabel) as { series: Array<{ data: unknown[] }> }
    expect(rank.series[0]!.data).toHaveLength(4)
    expect(rank.series[1]!.data).toEqual([[1, 1], [4, 4]])
    draw(rank as unknown as Record<string, unknown>)
    const bars = charts.distributionOption!(r.distributions![0]) as { series: Array<{ name: string; data: number[] }> }
    expect(bars.series.map((s) => s.name)).toEqual(['real', 'popularity', 'random'])
    expect(draw(bars as unknown as Record<string, unknown>)).toContain('real')
    // Simulated only where the data lacks the quantity.
    expect((charts.distributionOption!(r.distributions![2]) as { series: Array<{ name: string }> }).series.map((s) => s.name)).toEqual(['popularity', 'random'])
  })
})
