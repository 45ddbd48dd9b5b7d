import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli, tempDir } from '../helpers/cli.ts'

// The real MovieLens latest-small, by the path the project agreed on (never copied into the repo).
const ML = '../shared/data/ml-latest-small'
// A private calibration cache, so this file neither reads nor leaves entries elsewhere.
const env = { USERSIM_CACHE_DIR: tempDir('usersim-rank-cache-') }
afterAll(() => rmSync(env.USERSIM_CACHE_DIR, { recursive: true, force: true }))

describe('usersim eval ranking', () => {
  it('ranks policies offline on held-out ratings and in simulation, with the agreement of the two orderings', async () => {
    const db = join(tempDir(), 'ranking.db')
    const r = await runCli(
      ['eval', 'ranking', '--data', ML, '--users', '60', '--rounds', '1', '--policy', 'random', '--policy', 'popularity', '--policy', 'bpr:factors=8', '--policy', 'oracle', '--db', db, '--json'],
      { env, timeoutMs: 300_000 },
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.protocol).toMatchObject({ agents: 60, k: 10, rounds: 1, warmStart: 'log' })
    expect(out.policies.map((p: { label: string }) => p.label)).toEqual(['random', 'popularity', 'bpr(factors=8)', 'oracle'])
    const [random, popularity] = out.policies
    // Real users rarely rated a random film next; popular films often: both sides must see it.
    expect(popularity.offline.ndcg.value).toBeGreaterThan(random.offline.ndcg.value)
    expect(popularity.simulated.ctr.value).toBeGreaterThan(random.simulated.ctr.value)
    for (const a of out.agreement) {
      expect(a.spearman.lo).toBeLessThanOrEqual(a.spearman.value)
      expect(a.spearman.hi).toBeGreaterThanOrEqual(a.spearman.value)
    }
    expect(out.agreement[0]).toMatchObject({ offline: 'ndcg', simulated: 'ctr' })
    expect(out.vsPopularity.map((v: { label: string }) => v.label)).toEqual(['random', 'bpr(factors=8)', 'oracle'])
    expect(out.choice.utility).toBeGreaterThan(0)
    expect(out.choice.ratingNoise).toBeGreaterThan(0.3)
    // Distribution fidelity: each policy's shapes against the real ones, by Jensen–Shannon divergence.
    type Fit = { quantity: string; policy: string; real: number[] | null; simulated: number[]; js: number | null }
    const fits: Fit[] = out.distributions
    expect(fits).toHaveLength(4 * 3)
    for (const f of fits.filter((d) => d.quantity !== 'clicksPerSlate')) {
      expect(f.real!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3)
      if (f.js !== null) expect(f.js).toBeGreaterThanOrEqual(0)
    }
    expect(fits.find((d) => d.quantity === 'clicksPerSlate')!.real).toBeNull()
    // The data's ratings on whole stars; popular slates get clicks, so popularity's ratings are compared.
    const rating = fits.find((d) => d.quantity === 'rating' && d.policy === 'popularity')!
    expect(rating.real).toHaveLength(5)
    expect(rating.js).toBeLessThan(0.5)
    // The simulated runs are ordinary runs, kept where --db says.
    const runs = await runCli(['runs', '--db', db, '--json'])
    expect(runs.code).toBe(0)
  }, 300_000)

  it('refuses bad flags with a clear message', async () => {
    const r = await runCli(['eval', 'ranking', '--data', ML, '--policy', 'bpr:factors'], { env })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--policy bpr: options are key=value/)
    const few = await runCli(['eval', 'ranking', '--data', ML, '--policy', 'random', '--policy', 'popularity'], { env })
    expect(few.code).toBe(2)
    expect(few.stderr).toMatch(/at least 3 policies/)
  })
})

describe('usersim compare', () => {
  it('runs policies on the same users over seeds and reports paired differences', async () => {
    const db = join(tempDir(), 'compare.db')
    const r = await runCli(
      ['compare', 'feed', '--policy', 'popularity', '--policy', 'oracle', '--policy', 'popularity:priorClicks=100', '--agents', '150', '--rounds', '2', '--catalog', '300', '--seeds', '2', '--db', db, '--json'],
      { timeoutMs: 300_000 },
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.seeds).toEqual([42, 43])
    expect(out.units).toBe(300)
    expect(out.policies.map((p: { label: string }) => p.label)).toEqual(['popularity', 'oracle', 'popularity(priorClicks=100)'])
    const [oracle] = out.differences
    expect(oracle.baseline).toBe('popularity')
    expect(oracle.metrics.satisfaction.verdict).toBe('higher')
    expect(oracle.metrics.satisfaction.p).toBeLessThan(0.05)
    expect(out.policies[0].runs).toHaveLength(2)
    const table = await runCli(['compare', 'feed', '--policy', 'random', '--policy', 'oracle', '--agents', '80', '--rounds', '1', '--catalog', '200', '--seeds', '1', '--db', db])
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/paired differences against random/)
    expect(table.stdout).toMatch(/oracle\s+satisfaction\s+\S+ \[\S+, \S+\]\s+\S+\s+higher/)
  }, 300_000)

  it('needs two policies', async () => {
    const r = await runCli(['compare', 'feed', '--policy', 'random'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/at least two policies/)
  })
})

describe('usersim run --warm-start', () => {
  it('records what the policy was warmed on, and refuses what the scenario cannot give', async () => {
    const db = join(tempDir(), 'warm.db')
    const r = await runCli(['run', 'feed', '--agents', '100', '--rounds', '1', '--catalog', '200', '--policy', 'bpr', '--warm-start', 'burn-in:2', '--db', db, '--json'])
    expect(r.code).toBe(0)
    const id = JSON.parse(r.stdout).runId
    const show = await runCli(['show', id, '--db', db])
    expect(show.stdout).toMatch(/Warm start\nburn-in:2: burn-in: 2 rounds of a popularity-biased logging policy/)
    const bad = await runCli(['run', 'feed', '--warm-start', 'log', '--db', db])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--warm-start log: scenario "feed" has no history/)
    const shape = await runCli(['run', 'feed', '--warm-start', 'yesterday', '--db', db])
    expect(shape.code).toBe(2)
    expect(shape.stderr).toMatch(/expected none, log, or burn-in\[:rounds\][^]*warmStart/)
  }, 120_000)
})
