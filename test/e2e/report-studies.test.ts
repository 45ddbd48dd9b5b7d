import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ReportData } from '../../src/report/report-data.ts'
import { runCli, tempDir } from '../helpers/cli.ts'

/** The data a report file embeds. */
function embedded(file: string): ReportData {
  const m = /<script type="application\/json" id="usersim-data">(.*?)<\/script>/s.exec(readFileSync(file, 'utf8'))
  expect(m, `${file} embeds no data`).not.toBeNull()
  return JSON.parse(m![1]!) as ReportData
}

describe('usersim compare: the study stored, and its report', () => {
  const dir = tempDir('usersim-studies-')
  const db = join(dir, 'ab.db')

  it('compare --report FILE stores the study with its runs, prints its id, and writes a page that draws it', async () => {
    const out = join(dir, 'out.html')
    const r = await runCli(['compare', 'feed', '--policy', 'popularity', '--policy', 'random', '--agents', '50', '--rounds', '1', '--seeds', '2', '--db', db, '--report', out, '--json'], { timeoutMs: 180_000 })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const res = JSON.parse(r.stdout) as { study: string; report: string; policies: Array<{ label: string; runs: string[] }> }
    expect(res.study).toMatch(/^compare-\d{8}-\d{6}-[0-9a-f]{4}$/)
    expect(res.report).toBe(out)
    const data = embedded(out)
    expect(data.runs).toEqual([])
    expect(data.studies!.map((s) => s.id)).toEqual([res.study])
    const c = data.studies![0]!.compare!
    expect(c.policies.map((p) => p.label)).toEqual(['popularity', 'random'])
    expect(c.seeds).toEqual([42, 43])
    expect(c.units).toBe(100)
    expect(c.differences.map((d) => d.label)).toEqual(['random'])
    expect(['higher', 'lower', 'cannot be told apart']).toContain(c.differences[0]!.metrics.ctr!.verdict)
    // The study's runs: seed 42's two policies, then seed 43's.
    const [pop, rnd] = res.policies
    expect(data.studies![0]!.runs).toEqual([pop!.runs[0], rnd!.runs[0], pop!.runs[1], rnd!.runs[1]])

    // `report study:latest` draws it again; a report of one of its runs shows the study too.
    const again = join(dir, 'again.html')
    const latest = await runCli(['report', 'study:latest', '--db', db, '--out', again, '--json'])
    expect(latest.code, latest.stderr).toBe(0)
    expect(JSON.parse(latest.stdout)).toMatchObject({ runs: [], studies: [res.study] })
    const byRun = await runCli(['report', rnd!.runs[1]!, '--db', db, '--out', join(dir, 'run.html'), '--stories', '0'])
    expect(byRun.code, byRun.stderr).toBe(0)
    expect(byRun.stdout).toContain(`for study ${res.study}, ${rnd!.runs[1]}`)
    const withRun = embedded(join(dir, 'run.html'))
    expect(withRun.runs.map((x) => x.id)).toEqual([rnd!.runs[1]])
    expect(withRun.studies!.map((s) => s.id)).toEqual([res.study])
  }, 240_000)

  it('compare prints the study id under its tables', async () => {
    const r = await runCli(['compare', 'feed', '--policy', 'random', '--policy', 'oracle', '--agents', '40', '--rounds', '1', '--seeds', '1', '--db', db], { timeoutMs: 180_000 })
    expect(r.code, r.stderr).toBe(0)
    const id = /^study (compare-\S+) stored in .*ab\.db$/m.exec(r.stdout)?.[1]
    expect(id).toBeDefined()
    expect(r.stdout).toContain(`see it: npx usersim report study:${id} --db ${db}`)
  }, 180_000)

  it('refuses an unknown study, and a --report path that cannot be written before running anything', async () => {
    const unknown = await runCli(['report', 'study:nope', '--db', db, '--out', join(dir, 'x.html')])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/no study "nope" in .*ab\.db \(newest: compare-/)
    const runsBefore = JSON.parse((await runCli(['runs', '--db', db, '--json'])).stdout) as unknown[]
    const bad = await runCli(['compare', 'feed', '--policy', 'random', '--policy', 'oracle', '--agents', '40', '--rounds', '1', '--seeds', '1', '--db', db, '--report', join(dir, 'no-such-dir', 'r.html')])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--report: cannot write .*no-such-dir.*r\.html: the directory .*no-such-dir does not exist/)
    expect(JSON.parse((await runCli(['runs', '--db', db, '--json'])).stdout)).toHaveLength(runsBefore.length)
    const empty = await runCli(['compare', 'feed', '--policy', 'random', '--policy', 'oracle', '--report', ''])
    expect(empty.code).toBe(2)
    expect(empty.stderr).toMatch(/--report must be a file path/)
  }, 120_000)
})

// The real MovieLens latest-small, by the path the project agreed on (never copied into the repo).
const ML = '../shared/data/ml-latest-small'
const env = { USERSIM_CACHE_DIR: tempDir('usersim-rank-cache-') }
afterAll(() => rmSync(env.USERSIM_CACHE_DIR, { recursive: true, force: true }))

describe('usersim eval ranking --report', () => {
  it('stores the ranking study and writes its page: policies side by side, the orderings, the agreement', async () => {
    const dir = tempDir('usersim-studies-')
    const db = join(dir, 'rank.db')
    const out = join(dir, 'ranking.html')
    const r = await runCli(
      ['eval', 'ranking', '--data', ML, '--users', '40', '--rounds', '1', '--policy', 'random', '--policy', 'popularity', '--policy', 'bpr', '--db', db, '--report', out, '--json'],
      { env, timeoutMs: 300_000 },
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const res = JSON.parse(r.stdout) as { study: string; report: string; policies: Array<{ label: string; simulated: { runId: string } }>; distributions?: unknown[] }
    expect(res.study).toMatch(/^ranking-/)
    expect(res.report).toBe(out)
    const [study] = embedded(out).studies!
    expect(study!.id).toBe(res.study)
    expect(study!.notes).toEqual([])
    expect(study!.runs).toEqual(res.policies.map((p) => p.simulated.runId))
    const rk = study!.ranking!
    expect(rk.policies.map((p) => p.label)).toEqual(['random', 'popularity', 'bpr'])
    expect(rk.pairs[0]).toMatchObject({ offline: 'ndcg', simulated: 'ctr', primary: true })
    // Ranks 1..3 on each side (ties share their places, so they still add up to 6).
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
    for (const p of rk.pairs) expect([sum(p.points.map((x) => x.xRank)), sum(p.points.map((x) => x.yRank))]).toEqual([6, 6])
    expect(rk.vsPopularity.map((v) => v.label)).toEqual(['random', 'bpr'])
    // eval ranking's distributions, read whole (a malformed entry would be a note above): each quantity with every policy's simulated side.
    expect(res.distributions).toHaveLength(3 * 3)
    expect(rk.distributions!.map((d) => d.quantity).sort()).toEqual(['clicksPerSlate', 'itemsPerSession', 'rating'])
    for (const d of rk.distributions!) expect(d.simulated.map((x) => x.policy)).toEqual(['random', 'popularity', 'bpr'])
    expect(rk.divergence!.rows.map((x) => x.policy)).toEqual(['random', 'popularity', 'bpr'])
  }, 300_000)
})
