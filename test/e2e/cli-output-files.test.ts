import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { BIN, ROOT, runCli, tempDir } from '../helpers/cli.ts'

// Output and file handling of the everyday commands: what a terminal, a pipe and an existing path get.
describe('output and files', () => {
  const dir = tempDir('usersim-out-')
  const db = join(dir, 'runs.db')
  let runId = ''

  beforeAll(async () => {
    const r = await runCli(['run', 'test/fixtures/terminal-escape-scenario.ts', '--threads', '0', '--db', db, '--json'])
    expect(r.code, r.stderr).toBe(0)
    runId = (JSON.parse(r.stdout) as { runId: string }).runId
  }, 120_000)

  it('interview shows control sequences in item titles as text, never sends them', async () => {
    let seen = ''
    for (let agent = 0; agent < 30 && !seen.includes('\\x1b'); agent++) {
      const r = await runCli(['interview', runId, 'what did you like?', '--agent', String(agent), '--db', db])
      expect(r.code, r.stderr).toBe(0)
      seen += r.stdout
    }
    expect(seen).toMatch(/\\x1b\[31mred alert|\\x1b\]0;pwned\\x07window|\\x1b\[2Jclear|\\x9b31mcsi/)
    expect(seen).not.toMatch(/[\u001b\u0007\u009b]/)
  }, 120_000)

  it('output cut short by a closed pipe (`… | head`) ends quietly, without an EPIPE stack', () => {
    // The later commands write into a pipe whose reader (head) has gone.
    const cmd = `for i in 1 2 3; do "${process.execPath}" "${BIN}" show ${runId} --db "${db}"; done | head -n 1`
    const r = spawnSync('sh', ['-c', cmd], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '1' } })
    expect(r.stdout).toMatch(/^run /)
    expect(r.stderr).not.toMatch(/EPIPE|Error|at /)
  }, 120_000)

  it('report --out an existing directory: a clear error, and no temporary file left behind', async () => {
    const out = join(dir, 'reports')
    mkdirSync(out)
    const r = await runCli(['report', runId, '--db', db, '--out', out])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/cannot write .*reports: it is a directory/)
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([])
  }, 60_000)

  it('export --out an existing file: a clear error', async () => {
    const file = join(dir, 'taken.txt')
    writeFileSync(file, 'mine')
    const r = await runCli(['export', runId, '--db', db, '--format', 'events', '--out', file])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--out .*taken\.txt is a file; give a directory/)
    expect(r.stderr).not.toMatch(/EEXIST|mkdir/)
  }, 60_000)

  it('export --format corrections of a run without corrections: NO_DATA, nothing written', async () => {
    const out = join(dir, 'corrections')
    const r = await runCli(['export', runId, '--db', db, '--format', 'corrections', '--out', out])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/NO_DATA: run .* has no corrections/)
    expect(readdirSync(dir)).not.toContain('corrections')
  }, 60_000)
})
