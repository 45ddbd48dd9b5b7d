import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli, tempDir } from '../helpers/cli.ts'

const cli = (args: string[]) => runCli(args, { timeoutMs: 240_000 })

const dir = tempDir('usersim-seed-')
const db = join(dir, 'runs.db')

describe('seed scenarios end to end through the CLI', () => {
  it('interactive-feed: runs to satisfaction; sft and events export; dpo says there is nothing', async () => {
    const rb = await cli(['run', 'interactive-feed', '--agents', '200', '--catalog', '2000', '--json', '--db', db])
    expect(rb.code, rb.stderr).toBe(0)
    const recbot = JSON.parse(rb.stdout)
    const r = recbot.rounds.at(-1).custom
    expect(r.pass_rate).toBeGreaterThan(0.5)
    expect(r.csr_at_k).toBeGreaterThan(0.5)
    expect(r.recall_at_k).toBeGreaterThan(0)
    expect(r.avg_rounds).toBeGreaterThan(1)
    expect(r.title_leaks).toBe(0)

    const sft = await cli(['export', recbot.runId, '--db', db, '--format', 'sft', '--out', join(dir, 'sft'), '--json'])
    expect(sft.code, sft.stderr).toBe(0)
    expect(JSON.parse(sft.stdout).records).toBeGreaterThan(0)
    expect(readFileSync(join(dir, 'sft', 'README.md'), 'utf8')).toContain('Distillation data')
    const ev = await cli(['export', recbot.runId, '--db', db, '--format', 'events', '--out', join(dir, 'events'), '--json'])
    expect(JSON.parse(ev.stdout).records).toBe(200 * 8)

    const none = await cli(['export', recbot.runId, '--db', db, '--format', 'dpo', '--out', join(dir, 'none')])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/NO_DATA: .*no rated CRS turns/)
    expect(existsSync(join(dir, 'none'))).toBe(false)
    const bad = await cli(['export', recbot.runId, '--db', db, '--format', 'parquet', '--out', join(dir, 'x')])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/unknown --format "parquet"/)
  }, 300_000)

  it('conversational: runs 5 turns, rates every turn, exports DPO pairs', async () => {
    const res = await cli(['run', 'conversational', '--agents', '200', '--json', '--db', db])
    expect(res.code, res.stderr).toBe(0)
    const out = JSON.parse(res.stdout)
    expect(out.rounds).toHaveLength(5)
    const m = out.rounds.at(-1).custom
    expect(m.success_rate).toBeGreaterThan(0)
    expect(m.recall).toBeGreaterThanOrEqual(m.success_rate)
    expect(m.avg_turns).toBeGreaterThan(1)
    expect(m.avg_turns).toBeLessThanOrEqual(5)
    expect(m.avg_expression).toBeGreaterThan(0)
    expect(m.avg_expression).toBeLessThanOrEqual(5)
    expect(m.title_leaks).toBe(0)
    const dpo = await cli(['export', out.runId, '--db', db, '--format', 'dpo', '--dpo-style', 'llamafactory', '--lambda', '4', '--out', join(dir, 'dpo'), '--json'])
    expect(dpo.code, dpo.stderr).toBe(0)
    expect(JSON.parse(dpo.stdout).records).toBeGreaterThan(0)
    const first = JSON.parse(readFileSync(join(dir, 'dpo', 'train.jsonl'), 'utf8').split('\n')[0]!)
    expect(Object.keys(first)).toEqual(expect.arrayContaining(['system', 'instruction', 'input', 'chosen', 'rejected', 'generative_reward']))
    const flag = await cli(['export', out.runId, '--db', db, '--format', 'events', '--min-score', '0.5', '--out', join(dir, 'e')])
    expect(flag.code).toBe(2)
    expect(flag.stderr).toMatch(/--min-score applies to --format sft/)
  }, 300_000)
})
