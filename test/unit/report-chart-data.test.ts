import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { computeRoundMetrics } from '../../src/metrics/index.ts'
import { personaFacts } from '../../src/report/agent-stories.ts'
import { addCsvCounts, addRatingCounts } from '../../src/report/event-aggregates.ts'
import { longTail, sampleRanks } from '../../src/report/long-tail.ts'
import { flattenRoundMetrics, METRIC_CATALOG, metricsFor } from '../../src/report/metric-catalog.ts'
import { llmUsage, recordedActions } from '../../src/report/feature-tables-repo.ts'
import { escapeHtml, jsonForScript, renderReportHtml } from '../../src/report/render-html.ts'
import type { ReportData } from '../../src/report/report-data.ts'

describe('event counts', () => {
  it('counts comma-joined item ids, ignoring empty strings and ids outside the catalog', () => {
    const into = new Float64Array(12)
    addCsvCounts('3,10,3,0', into)
    addCsvCounts('', into)
    addCsvCounts('11,99', into)
    expect([...into]).toEqual([1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 1])
  })

  it('counts ratings 1..5 and skips 0 (clicked, not rated)', () => {
    const into = new Float64Array(5)
    addRatingCounts('4,5,0,1', into)
    addRatingCounts('4', into)
    expect([...into]).toEqual([1, 0, 0, 2, 1])
  })
})

describe('long tail', () => {
  it('keeps every rank of a small catalog and log-spaced ranks of a large one', () => {
    expect(sampleRanks(5, 200)).toEqual([0, 1, 2, 3, 4])
    const r = sampleRanks(100_000, 200)
    expect(r.length).toBeLessThanOrEqual(201)
    expect(r[0]).toBe(0)
    expect(r.at(-1)).toBe(99_999)
    expect(r.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => i))
    for (let i = 1; i < r.length; i++) expect(r[i]!).toBeGreaterThan(r[i - 1]!)
  })

  it('sorts items by impressions (ties by id) and measures concentration', () => {
    const imp = Float64Array.from([1, 0, 6, 2, 1, 0, 0, 0, 0, 0])
    const clk = Float64Array.from([0, 0, 3, 1, 1, 0, 0, 0, 0, 0])
    const t = longTail(imp, clk, { top: 3 })
    expect(t.items).toBe(10)
    expect(t.itemsShown).toBe(4)
    expect(t.impressions).toBe(10)
    expect(t.curve.slice(0, 5)).toEqual([[0, 6], [1, 2], [2, 1], [3, 1], [4, 0]])
    expect(t.top).toEqual([
      { item: 2, impressions: 6, clicks: 3 },
      { item: 3, impressions: 2, clicks: 1 },
      { item: 0, impressions: 1, clicks: 0 },
    ])
    expect(t.top1PctShare).toBe(0.6) // the top 1% of 10 items is one item
    expect(t.top10PctShare).toBe(0.6)
    expect(t.cumulative[0]).toEqual([0, 0])
    expect(t.cumulative.at(-1)).toEqual([1, 1])
    expect(t.gini).toBeGreaterThan(0.6)
  })

  it('gives a flat curve and zero Gini for equal exposure, and copes with no impressions', () => {
    const eq = longTail(new Float64Array(50).fill(3), new Float64Array(50))
    expect(eq.gini).toBe(0)
    expect(new Set(eq.curve.map((p) => p[1]))).toEqual(new Set([3]))
    const none = longTail(new Float64Array(4), new Float64Array(4))
    expect(none).toMatchObject({ itemsShown: 0, impressions: 0, top1PctShare: 0, top: [] })
  })

  it('stays small for a large catalog', () => {
    const n = 200_000
    const imp = Float64Array.from({ length: n }, (_, i) => Math.floor(1e5 / (i + 1)))
    const t = longTail(imp, new Float64Array(n), { maxPoints: 200 })
    expect(t.curve.length).toBeLessThanOrEqual(201)
    expect(JSON.stringify(t).length).toBeLessThan(12_000)
    expect(t.curve[0]).toEqual([0, 1e5])
  })
})

describe('metric catalogue', () => {
  const m = computeRoundMetrics([], { round: 2, catalogSize: 10, awayBefore: 0, custom: { myMetric: 0.5 } })

  it('has a label for every number RoundMetrics holds', () => {
    const numeric = Object.entries(m).filter(([k, v]) => typeof v === 'number' && k !== 'round').map(([k]) => k)
    const known = new Set(METRIC_CATALOG.map((x) => x.key))
    expect(numeric.filter((k) => !known.has(k))).toEqual([])
  })

  it('flattens a round: numbers, custom metrics prefixed, duration rounded; the histogram stays out', () => {
    const flat = flattenRoundMetrics(m, 1234.6)
    expect(flat['custom.myMetric']).toBe(0.5)
    expect(flat.durationMs).toBe(1235)
    expect(flat).not.toHaveProperty('round')
    expect(flat).not.toHaveProperty('satisfactionHist')
    const infos = metricsFor(Object.keys(flat))
    expect(infos[0]!.key).toBe('satisfaction')
    expect(infos.find((i) => i.key === 'custom.myMetric')).toMatchObject({ label: 'myMetric', group: 'Scenario' })
  })
})

describe('persona facts', () => {
  it('reads as text and leaves out the hidden ground truth', () => {
    const facts = personaFacts({ id: 3, name: 'Ada', likes: [{ tag: 'dark', weight: 0.5 }], expectation: 0.12345, hidden: { taste: [1, 2] } })
    expect(facts).toEqual([['likes', 'dark 0.5'], ['expectation', '0.123']])
  })
})

describe('optional sections', () => {
  it('gives nothing when the feature tables are absent or empty for the run', () => {
    const db = new Database(':memory:')
    expect(llmUsage(db, 'r1', 1)).toBeUndefined()
    expect(recordedActions(db, 'r1', 1)).toEqual([])
    db.exec('CREATE TABLE llm_calls (run_id TEXT, task TEXT, prompt_tokens INTEGER)')
    expect(llmUsage(db, 'r1', 1)).toBeUndefined()
  })

  it('sums LLM usage per task from whichever columns the table has', () => {
    const db = new Database(':memory:')
    db.exec('CREATE TABLE llm_calls (run_id TEXT, round INTEGER, task TEXT, prompt_tokens INTEGER, completion_tokens INTEGER, latency_ms REAL, outcome TEXT)')
    const ins = db.prepare('INSERT INTO llm_calls VALUES (?, ?, ?, ?, ?, ?, ?)')
    ins.run('r1', 0, 'evaluate-slate', 800, 100, 120, 'ok')
    ins.run('r1', 0, 'evaluate-slate', 820, 90, 80, 'repaired')
    ins.run('r1', 1, 'write-utterance', 300, 40, 50, 'ok')
    ins.run('other', 0, 'evaluate-slate', 1, 1, 1, 'ok')
    expect(llmUsage(db, 'r1', 1)).toEqual([
      { task: 'evaluate-slate', calls: 2, promptTokens: 1620, completionTokens: 190, costUsd: null, meanLatencyMs: 100, outcomes: { ok: 1, repaired: 1 } },
      { task: 'write-utterance', calls: 1, promptTokens: 300, completionTokens: 40, costUsd: null, meanLatencyMs: 50, outcomes: { ok: 1 } },
    ])
  })

  it('counts corrections by round and kind and keeps a few examples as text', () => {
    const db = new Database(':memory:')
    db.exec('CREATE TABLE corrections (run_key INTEGER, round INTEGER, agent_id INTEGER, kind TEXT, detail TEXT)')
    const ins = db.prepare('INSERT INTO corrections VALUES (?, ?, ?, ?, ?)')
    ins.run(7, 0, 1, 'schema-repair', 'x'.repeat(400))
    ins.run(7, 0, 2, 'critic', '<b>clicked a hard dislike</b>')
    ins.run(7, 1, 2, 'critic', 'again')
    ins.run(8, 1, 2, 'critic', 'other run')
    const [c] = recordedActions(db, 'r1', 7, 2)
    expect(c).toMatchObject({ table: 'corrections', total: 3, byRoundKind: [[0, 'critic', 1], [0, 'schema-repair', 1], [1, 'critic', 1]] })
    expect(c!.examples).toHaveLength(2)
    expect(c!.examples[0]!.detail!.length).toBeLessThanOrEqual(301)
    expect(c!.examples[0]).not.toHaveProperty('run_key')
  })
})

describe('HTML rendering', () => {
  const hostile = '</script><script>alert(1)</script><!-- \u2028 & "quotes"'

  it('embeds JSON that cannot close its element and parses back to the same value', () => {
    const s = jsonForScript({ title: hostile })
    expect(s).not.toMatch(/[<>]/)
    expect(s).not.toContain('\u2028')
    expect(JSON.parse(s)).toEqual({ title: hostile })
  })

  it('escapes text for HTML', () => {
    expect(escapeHtml('<a href="x">\'&\'</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')
  })

  it('writes one document whose only scripts are the library, the page and the data, allowed by hash', () => {
    const data: ReportData = { format: 1, generatedAt: '2026-01-01T00:00:00Z', db: hostile, live: false, metrics: [], runs: [] }
    const html = renderReportHtml(data)
    expect(html.match(/<script/g)).toHaveLength(3)
    expect(html.match(/<\/script>/g)).toHaveLength(3)
    expect(html).not.toContain('alert(1)</script>')
    expect(html).not.toMatch(/src=["']?https?:/)
    const csp = /Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!
    expect(csp).toContain("default-src 'none'")
    expect(csp.match(/'sha256-/g)).toHaveLength(2)
    expect(csp).not.toContain('unsafe-eval')
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/)
  })
})
