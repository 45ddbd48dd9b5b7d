import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT, runCli, tempDir } from './helpers/cli.ts'

// Every example a researcher would copy runs, as the docs say it does.
describe('examples', () => {
  const dir = tempDir()

  it.each(['examples/custom-scenario.ts', 'examples/custom-policy.ts', 'examples/custom-agent.ts', 'examples/user-groups.ts'])('%s runs as a scenario', async (file) => {
    const r = await runCli(['run', file, '--agents', '300', '--rounds', '3', '--seed', '42', '--db', join(dir, 'ex.db'), '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.rounds).toHaveLength(3)
    expect(out.summary.clicks).toBeGreaterThan(0)
    if (file.includes('custom-scenario')) expect(out.rounds[0].custom.longTailClickShare).toBeGreaterThanOrEqual(0)
    if (file.includes('custom-policy')) expect(out.config.policy).toBe('diverse-popular')
    if (file.includes('custom-agent')) expect(out.rounds[2].custom.meanWatched).toBeGreaterThan(0)
  })

  // Issue 13: a stated taste moves the hidden utility; overriding the visible field alone does not.
  it('user-groups.ts: stated tastes are followed, and metrics split users by persona', async () => {
    const run = async (tastes: string) => {
      const r = await runCli(['run', 'examples/user-groups.ts', '--agents', '600', '--rounds', '2', '--policy', 'oracle', '--set', `tastes=${tastes}`, '--db', join(dir, 'groups.db'), '--json'])
      expect(r.stderr).toBe('')
      return JSON.parse(r.stdout).summary.custom as { students_textbooks: number; others_textbooks: number }
    }
    const stated = await run('stated')
    const look = await run('look')
    expect(stated.students_textbooks).toBeGreaterThan(2 * stated.others_textbooks)
    expect(stated.students_textbooks).toBeGreaterThan(look.students_textbooks + 0.1)
    expect(look.students_textbooks).toBeLessThan(1.5 * look.others_textbooks)
  }, 180_000)

  it('compare-policies.ts prints one line per policy, the oracle on top', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/compare-policies.ts', '300', join(dir, 'cmp.db')], { cwd: ROOT, encoding: 'utf8' })
    const lines = out.trim().split('\n')
    expect(lines).toHaveLength(4)
    const sat = Object.fromEntries(lines.map((l) => [l.split(/\s+/)[0], Number(l.match(/satisfaction ([\d.]+)/)![1])]))
    expect(sat.oracle).toBeGreaterThan(sat.random!)
  }, 180_000)
})
