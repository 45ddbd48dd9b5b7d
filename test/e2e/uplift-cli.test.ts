import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { parquetReadObjects, asyncBufferFromFile } from 'hyparquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, tempDir } from '../helpers/cli.ts'
import { UPLIFT_PROTOCOL } from '../../src/uplift/protocol.ts'

/** The README's uplift workflow through the real CLI: run marketing, export --format uplift, eval uplift. */
const dir = tempDir('usersim-uplift-')
const db = join(dir, 'runs.db')
const out = join(dir, 'uplift')
let runId = ''
let server: Server
let url = ''

beforeAll(async () => {
  // An external model: uplift = sale_share (f7), a crude but sensible guess.
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      res.setHeader('content-type', 'application/json')
      if (req.url === '/info') res.end(JSON.stringify({ protocol: UPLIFT_PROTOCOL, name: 'sale-share', features: 14 }))
      else res.end(JSON.stringify({ uplift: (JSON.parse(body) as { rows: { features: number[] }[] }).rows.map((r) => r.features[7]) }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

describe('usersim run marketing → export --format uplift → eval uplift', () => {
  it('runs the marketing scenario', async () => {
    const r = await runCli(['run', 'marketing', '--agents', '600', '--rounds', '3', '--db', db, '--json'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    const res = JSON.parse(r.stdout) as { runId: string; rounds: { custom: Record<string, number> }[] }
    runId = res.runId
    const last = res.rounds.at(-1)!.custom
    expect(last.treated_share).toBeGreaterThan(0.4)
    expect(last.inc_conversions_oracle).toBeGreaterThanOrEqual(last.inc_conversions!)
  }, 60_000)

  it('exports CSV and Parquet with the Criteo column names and a dataset card', async () => {
    const r = await runCli(['export', runId, '--db', db, '--format', 'uplift', '--out', out, '--json'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ format: 'uplift', records: 1800 })
    const csv = readFileSync(join(out, 'uplift.csv'), 'utf8').trim().split('\n')
    const head = csv[0]!.split(',')
    expect(head.slice(0, 18)).toEqual([...Array.from({ length: 14 }, (_, j) => `f${j}`), 'treatment', 'conversion', 'visit', 'exposure'])
    expect(head).toEqual(expect.arrayContaining(['propensity', 'ite_conversion', 'cate_conversion', 'spend']))
    expect(csv).toHaveLength(1801)
    const pq = await parquetReadObjects({ file: await asyncBufferFromFile(join(out, 'uplift.parquet')) })
    expect(pq).toHaveLength(1800)
    const first = Object.fromEntries(head.map((h, i) => [h, csv[1]!.split(',')[i]]))
    for (const [k, v] of Object.entries(pq[0]!)) expect(String(v)).toBe(first[k])
    const card = readFileSync(join(out, 'README.md'), 'utf8')
    expect(card).toMatch(/exact individual treatment effect/)
    expect(card).not.toMatch(/segment\W+(persuadable|sure-thing)/)
  }, 60_000)

  it('eval uplift --json scores the learners and an external model, with the sensitivity test', async () => {
    const r = await runCli(['eval', 'uplift', '--data', out, '--model-url', url, '--repeats', '1', '--json'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    const res = JSON.parse(r.stdout) as {
      models: { name: string; auuc: number; qini: number; pehe: number }[]
      sensitivity: { key: string[]; features: unknown[] }
      robust: { variants: { variant: string }[] }
    }
    expect(res.models.map((m) => m.name)).toEqual(['sale-share (external)', 'S-learner (gbdt)', 'T-learner (gbdt)', 'transformed outcome (gbdt)', 'constant (training ATE)', 'oracle (true expected effect)'])
    for (const m of res.models) expect(Number.isFinite(m.auuc) && Number.isFinite(m.qini) && Number.isFinite(m.pehe)).toBe(true)
    expect(res.sensitivity.features).toHaveLength(14)
    expect(res.sensitivity.key).toHaveLength(3)
    expect(res.robust.variants.map((v) => v.variant)).toEqual(['plain', 'desensitised'])
  }, 60_000)

  it('prints readable tables', async () => {
    const r = await runCli(['eval', 'uplift', '--data', out, '--learner', 't', '--no-robust', '--repeats', '1'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/T-learner \(gbdt\)\s+-?\d/)
    expect(r.stdout).toMatch(/key features: f\d+, f\d+, f\d+/)
  }, 60_000)

  it('bad input: one clear message and exit 2', async () => {
    const missing = await runCli(['eval', 'uplift'], { cwd: dir })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/--data DIR is required/)
    const nofile = await runCli(['eval', 'uplift', '--data', join(dir, 'nope.csv')], { cwd: dir })
    expect(nofile.code).toBe(2)
    expect(nofile.stderr).toMatch(/nope\.csv: no such file/)
    const bad = join(dir, 'bad.csv')
    writeFileSync(bad, 'f0,f1,treatment,conversion\n1,2,1,0\n1,x,0,1\n')
    const badCell = await runCli(['eval', 'uplift', '--data', bad], { cwd: dir })
    expect(badCell.code).toBe(2)
    expect(badCell.stderr).toMatch(/bad\.csv:3: f1: expected a number, got "x"/)
    writeFileSync(bad, 'f0,treatment\n1,1\n')
    const noCol = await runCli(['eval', 'uplift', '--data', bad], { cwd: dir })
    expect(noCol.stderr).toMatch(/bad\.csv:1: missing column "conversion"/)
    const learner = await runCli(['eval', 'uplift', '--data', out, '--learner', 'x'], { cwd: dir })
    expect(learner.stderr).toMatch(/--learner expects a comma-separated list of s, t, to/)
  }, 60_000)

  it('exporting a run without an uplift log fails with NO_DATA (exit 1) and writes nothing', async () => {
    const feed = await runCli(['run', 'feed', '--agents', '50', '--rounds', '1', '--db', db, '--json'], { cwd: dir })
    const feedId = (JSON.parse(feed.stdout) as { runId: string }).runId
    const noData = await runCli(['export', feedId, '--db', db, '--format', 'uplift', '--out', join(dir, 'none')], { cwd: dir })
    expect(noData.code).toBe(1)
    expect(noData.stderr).toMatch(/has no uplift log/)
    expect(existsSync(join(dir, 'none', 'uplift.csv'))).toBe(false)
  }, 60_000)
})
