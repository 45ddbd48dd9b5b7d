import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RunStore } from '../../src/store/index.ts'
import { runCli, tempDir } from '../helpers/cli.ts'

const SCENARIO = 'test/fixtures/faulty-scenario.ts'

/** The runs in a database: id and status. */
function runsIn(db: string): Array<{ status: string; error: string | null }> {
  const store = new RunStore(db, { readonly: true })
  try {
    return store.listRuns().map((r) => ({ status: r.status, error: (r as { error?: string | null }).error ?? null }))
  } finally {
    store.close()
  }
}

describe('failures in the scenario author’s code (issue 13)', () => {
  const dir = tempDir('usersim-user-code-')

  // Worker threads (the default) used to hang after a persona error; a killed process has code null.
  for (const threads of ['2', '0']) {
    it(`a persona() that throws ends the run with exit 1, the file and line, and status failed (threads ${threads})`, async () => {
      const db = join(dir, `throws-${threads}.db`)
      const r = await runCli(['run', SCENARIO, '--set', 'fault=persona-throws', '--threads', threads, '--db', db], { timeoutMs: 60_000 })
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/SCENARIO_FAILED: persona\(7\) of .*faulty-scenario\.ts threw: no persona for 7 \(at .*faulty-scenario\.ts:\d+:\d+\)/)
      expect(runsIn(db)).toEqual([{ status: 'failed', error: expect.stringContaining('no persona for 7') }])
    }, 90_000)
  }

  it('a persona() returning garbage is refused naming the persona and its fields', async () => {
    const db = join(dir, 'garbage.db')
    const r = await runCli(['run', SCENARIO, '--set', 'fault=persona-garbage', '--db', db], { timeoutMs: 60_000 })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('persona(7) of')
    expect(r.stderr).toContain('returned an invalid persona')
    expect(r.stderr).toMatch(/name: .*expected string/)
    expect(r.stderr).toMatch(/likes: .*expected array/)
    expect(r.stderr).not.toContain('is not iterable')
    expect(runsIn(db)[0]!.status).toBe('failed')
  }, 90_000)

  it('a persona with expectation NaN names the field, not a SQLite constraint', async () => {
    const db = join(dir, 'nan.db')
    const r = await runCli(['run', SCENARIO, '--set', 'fault=persona-nan', '--db', db], { timeoutMs: 60_000 })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/persona\(7\) of .*faulty-scenario\.ts returned an invalid persona:\n\s+expectation: .*NaN/)
    expect(r.stderr).not.toMatch(/SqliteError|NOT NULL/)
  }, 90_000)

  it('a catalog item with a missing field names the item, the field and the file', async () => {
    const db = join(dir, 'item.db')
    const r = await runCli(['run', SCENARIO, '--set', 'fault=item-missing', '--db', db], { timeoutMs: 60_000 })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/catalog\(\) of .*faulty-scenario\.ts returned an invalid catalog: item 3 \("[^"]+"\):\n\s+tags: .*expected array/)
    expect(r.stderr).not.toContain('Cannot read properties')
  }, 90_000)
})

describe('agent errors (issue 13)', () => {
  const dir = tempDir('usersim-agent-errors-')

  it('a step that always throws fails the run, naming the first errors and the line in the scenario file', async () => {
    const db = join(dir, 'always.db')
    const r = await runCli(['run', SCENARIO, '--set', 'failEvery=1', '--db', db], { timeoutMs: 60_000 })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/AGENT_ERRORS: 40 of 40 agent-steps threw \(100\.0%, more than the limit of 1%; --max-agent-errors sets it\)/)
    expect(r.stderr).toMatch(/round 0, agent 0: step failed for agent 0 \(at .*faulty-scenario\.ts:\d+:\d+\)/)
    expect(r.stdout).not.toMatch(/satisf/)
    expect(runsIn(db)[0]).toEqual({ status: 'failed', error: expect.stringContaining('step failed for agent 0') })
  }, 90_000)

  it('errors under the limit are counted in the run table, show and the report', async () => {
    const db = join(dir, 'some.db')
    // Agents 0 and 20 of 40 throw: 5% of the steps, over the default limit of 1%.
    const over = await runCli(['run', SCENARIO, '--set', 'failEvery=20', '--db', db, '--json'], { timeoutMs: 60_000 })
    expect(over.code).toBe(1)
    expect(over.stderr).toContain('2 of 40 agent-steps threw (5.0%')

    const r = await runCli(['run', SCENARIO, '--set', 'failEvery=20', '--max-agent-errors', '0.1', '--db', db], { timeoutMs: 60_000 })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/round\s+present.*\bsaid\s+errors/)
    expect(r.stdout).toMatch(/agent errors \(steps that threw\)\s+4\b/)
    const runId = /^run (\S+)/m.exec(r.stdout)![1]!

    const show = await runCli(['show', runId, '--db', db])
    expect(show.stdout).toContain('Agent errors (steps that threw)')
    expect(show.stdout).toMatch(/0\s+0\s+step failed for agent 0 \(at .*faulty-scenario\.ts:\d+:\d+\)/)
    const json = JSON.parse((await runCli(['show', runId, '--db', db, '--json'])).stdout)
    expect(json.agentErrors.total).toBe(4)
    expect(json.run.summary.agentErrors).toBe(4)

    const out = join(dir, 'report.html')
    const report = await runCli(['report', runId, '--db', db, '--out', out])
    expect(report.code).toBe(0)
    const html = readFileSync(out, 'utf8')
    expect(html).toContain('Agent errors (steps that threw)')
    expect(html).toContain('4 agent-steps threw')
  }, 180_000)
})

describe('catalog sizes (issue 13)', () => {
  it('a catalog that cannot fit is refused up front, without touching the database', async () => {
    const db = join(tempDir('usersim-catalog-'), 'big.db')
    const r = await runCli(['run', 'feed', '--catalog', '10000000', '--threads', '0', '--db', db], { env: { NODE_OPTIONS: '--max-old-space-size=4096' }, timeoutMs: 60_000 })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--catalog 10,000,000 \(about \d+ bytes per item: [\d.]+ GB per copy\) needs about [\d.]+ GB of heap in this process; its limit is [\d.]+ GB/)
    expect(existsSync(db)).toBe(false)
  }, 90_000)
})
