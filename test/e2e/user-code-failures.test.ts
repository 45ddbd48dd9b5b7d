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
