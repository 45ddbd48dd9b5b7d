import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCli, tempDir } from '../helpers/cli.ts'

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')

describe('usersim run / runs / show / scenarios', () => {
  const dir = tempDir()
  const db = join(dir, 'cli.db')
  let runId = ''

  beforeAll(async () => {
    const r = await runCli(['run', 'feed', '--agents', '400', '--rounds', '3', '--catalog', '600', '--db', db, '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    runId = out.runId
    expect(out.rounds).toHaveLength(3)
    expect(out.summary.agentSteps).toBe(1200)
    expect(out.summary.ctr).toBeGreaterThan(0)
    expect(out.config.policy).toBe('popularity')
  })

  it('prints a summary table for people', async () => {
    const r = await runCli(['run', 'feed', '--agents', '300', '--rounds', '2', '--policy', 'bpr', '--seed', '3', '--db', db])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/round\s+present\s+CTR/)
    expect(r.stdout).toContain('NDCG@K vs oracle')
    expect(r.stdout).toMatch(/policy bpr, 300 agents × 2 rounds, seed 3/)
  })

  it('lists runs newest first, as a table and as JSON', async () => {
    const table = await runCli(['runs', '--db', db])
    expect(table.code).toBe(0)
    expect(table.stdout).toContain(runId)
    const json = await runCli(['runs', '--db', db, '--json'])
    const runs = JSON.parse(json.stdout)
    expect(runs).toHaveLength(2)
    expect(runs[1].id).toBe(runId)
    expect(runs[0].policy).toBe('bpr')
  })

  it('shows a run per round, as a table and as JSON', async () => {
    const table = await runCli(['show', runId, '--db', db])
    expect(table.code).toBe(0)
    expect(table.stdout).toContain(`run ${runId}  finished`)
    expect(table.stdout).toContain('evaluate-slate')
    const json = JSON.parse((await runCli(['show', runId, '--db', db, '--json'])).stdout)
    expect(json.run.id).toBe(runId)
    expect(json.rounds).toHaveLength(3)
    expect(json.taskCalls['evaluate-slate']).toBeGreaterThan(0)
  })

  it('lists the built-in scenarios', async () => {
    const r = await runCli(['scenarios', '--json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).map((s: { name: string }) => s.name)).toContain('feed')
  })

  it.each([
    [['run', 'feed', '--agents', '0'], /--agents must be between 1 and/],
    [['run', 'feed', '--agents', '-5'], /--agents must be between 1 and .* \(got -5\)/],
    [['run', 'feed', '--agents', '1.5'], /--agents must be a whole number \(got "1.5"\)/],
    [['run', 'feed', '--agents', 'many'], /--agents must be a whole number/],
    [['run', 'feed', '--policy', 'nope'], /unknown policy "nope" \(known: .*popularity/],
    [['run', 'no-such-scenario'], /no built-in scenario "no-such-scenario"/],
    [['run', './missing/scenario.ts'], /scenario file not found: .*missing\/scenario.ts/],
    [['run', 'package.json'], /is not a valid scenario|could not load scenario/],
    [['run', 'feed', '--set', 'oops'], /--set expects key=value/],
  ])('rejects %j with a clear message, exit 2, and leaves the database as it was', async (args, message) => {
    const before = sha(db)
    const r = await runCli([...args, '--db', db])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(sha(db)).toBe(before)
  })

  it('rejects a scenario module that fails validation, naming the file and field', async () => {
    const r = await runCli(['run', 'test/fixtures/bad-scenario.ts', '--db', db])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/bad-scenario.ts is not a valid scenario/)
    expect(r.stderr).toMatch(/defaults\.agents/)
  })

  it('fails clearly on an unwritable --db path and on an unknown run', async () => {
    const r = await runCli(['run', 'feed', '--agents', '10', '--db', '/proc/usersim/x.db'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/cannot (create|open) database \/proc\/usersim\/x.db/)
    const s = await runCli(['show', 'nope', '--db', db])
    expect(s.code).toBe(2)
    expect(s.stderr).toMatch(/no run "nope"/)
  })
})
