import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { ROOT, runCli, tempDir } from '../helpers/cli.ts'

// The real MovieLens latest-small, by the path the project agreed on (never copied into the repo).
const ML = '../shared/data/ml-latest-small'
// A private calibration cache, so this file neither reads nor leaves entries elsewhere.
const env = { USERSIM_CACHE_DIR: tempDir('usersim-fid-cache-') }
afterAll(() => rmSync(env.USERSIM_CACHE_DIR, { recursive: true, force: true }))

describe('usersim eval fidelity', () => {
  it('reports alignment per ratio, rating errors and the activity breakdown as one JSON object', async () => {
    const r = await runCli(['eval', 'fidelity', '--data', ML, '--users', '80', '--ratio', '1:1,1:3', '--json'], { env })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.dataset).toMatchObject({ format: 'latest', users: 610, items: 9742, ratings: 100836 })
    expect(out.protocol).toMatchObject({ usersEvaluated: 80, backend: 'surrogate', ratios: ['1:1', '1:3'] })
    expect(out.ratios.map((x: { ratio: string }) => x.ratio)).toEqual(['1:1', '1:3'])
    const [one, three] = out.ratios
    // A sample of 80 users: the full-population figures are in docs/fidelity.md.
    expect(one.accuracy).toBeGreaterThan(0.72)
    expect(three.precision).toBeLessThan(one.precision)
    expect(out.rating.rmse).toBeLessThan(1)
    expect(out.rating.mae).toBeLessThan(out.rating.rmse)
    expect(out.rating.distribution.real).toHaveLength(10)
    expect(out.byActivity.low.users + out.byActivity.medium.users + out.byActivity.high.users).toBe(80)
    expect(out.published.agent4rec.accuracy).toBe(0.691)
    // The bias baseline is fitted on the same training part and scored on the same held-out ratings.
    expect(out.baselines.ratingBias.n).toBe(out.rating.n)
    expect(out.baselines.ratingBias.rmse).toBeGreaterThan(0.6)
    // Like for like: expected rating vs the baseline's prediction, answers on the scale vs the baseline's on the scale.
    const bias = out.baselines.ratingBias
    expect(bias.onScale.rmse).toBeGreaterThan(bias.rmse)
    expect(bias.expectedGain).toBeCloseTo(1 - out.rating.expected.rmse / bias.rmse, 3)
    expect(bias.onScaleGain).toBeCloseTo(1 - out.rating.rmse / bias.onScale.rmse, 3)
    expect(bias.beaten).toBe(bias.expectedGain > 0 && bias.onScaleGain > 0)
    // The popularity-only judge sees the same candidates.
    expect(one.popularityJudge.n).toBe(one.n)
    expect(one.popularityJudge.accuracy).toBeGreaterThan(0.5)
  }, 120_000)

  it('rejects malformed data naming the file and line', async () => {
    const dir = tempDir('usersim-fid-bad-')
    cpSync(join(ROOT, 'test/fixtures/data/ml-latest-tiny'), dir, { recursive: true })
    const file = join(dir, 'ratings.csv')
    writeFileSync(file, readFileSync(file, 'utf8').replace('2,2,3.5,2000', '2,2,3.5,not-a-time'))
    const bad = await runCli(['eval', 'fidelity', '--data', dir, '--json'], { env })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe(`usersim: DATA_INVALID: ${file}:5: timestamp: expected unix seconds (a whole number) (got "not-a-time")\n`)
  })

  describe('through a model server', () => {
    let server: OpenAiTestServer
    beforeAll(async () => {
      server = await startOpenAiTestServer()
    })
    afterAll(() => server.close())

    it('sends the typed tasks to the model, with the taste profile and without the hidden fields', async () => {
      const r = await runCli(
        ['eval', 'fidelity', '--data', ML, '--users', '3', '--ratio', '1:1', '--json', '--llm', 'openai', '--model', 'test-model', '--base-url', server.url, '--db', join(tempDir(), 'cache.db')],
        { env: { ...env, OPENAI_API_KEY: 'test-key' } },
      )
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      const out = JSON.parse(r.stdout)
      expect(out.protocol.backend).toBe('openai:test-model')
      expect(out.llm.calls).toBeGreaterThanOrEqual(6)
      expect(out.llm.outcomes.ok).toBe(out.llm.calls)
      const prompts = server.requests.map((q) => q.messages.map((m) => m.content).join('\n'))
      expect(prompts.some((p) => p.includes('would choose to watch it'))).toBe(true)
      expect(prompts.some((p) => p.includes('Rate each one as this viewer would'))).toBe(true)
      for (const p of prompts) {
        expect(p).toContain('You have rated')
        expect(p).not.toMatch(/logit|expected|hidden/)
      }
    }, 120_000)
  })
})

describe('usersim run movielens', () => {
  it('runs the usual simulation on the calibrated population and catalog', async () => {
    const db = join(tempDir(), 'run.db')
    const r = await runCli(['run', 'movielens', '--data', ML, '--agents', '200', '--rounds', '2', '--threads', '1', '--db', db, '--json'], { env })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.config).toMatchObject({ agents: 200, rounds: 2, params: { data: join(ROOT, ML), trainFraction: 0.8 } })
    expect(out.rounds).toHaveLength(2)
    expect(out.rounds[0].present).toBe(200)
    expect(out.summary.clicks).toBeGreaterThan(0)
    expect(out.summary.meanRating).toBeGreaterThan(1)
    // In the main thread (no worker threads) the same seed gives the same rounds.
    const again = await runCli(['run', 'movielens', '--data', ML, '--agents', '200', '--rounds', '2', '--threads', '0', '--db', db, '--json'], { env })
    expect(JSON.parse(again.stdout).rounds).toEqual(out.rounds)
  }, 240_000)

  it('sizes the population from the data', async () => {
    const dir = join(ROOT, 'test/fixtures/data/ml-latest-tiny')
    const r = await runCli(['run', 'movielens', '--data', dir, '--rounds', '1', '--threads', '0', '--db', join(tempDir(), 'r.db'), '--json'], { env })
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout).config.agents).toBe(3)
  }, 120_000)
})
