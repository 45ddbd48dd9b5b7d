import Database from 'better-sqlite3'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readJsonl } from '../../src/datasets/jsonl.ts'
import { ilAlpacaRow, ilChatRow, plannerRow, reflectorRow, reflectorReward } from '../../src/datasets/formats/index.ts'
import { reflectTrialOutput } from '../../agents/recommenders/reflection/index.ts'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { runCli, tempDir } from '../helpers/cli.ts'

type Figures = { trial: number; users: number; passed: number; passRate: number; cumulativePassRate: number }[]

async function runTrials(args: string[]): Promise<{ runId: string; rounds: number }> {
  const r = await runCli(['run', ...args, '--json'], { timeoutMs: 300_000 })
  expect(r.code, r.stderr).toBe(0)
  const out = JSON.parse(r.stdout) as { runId: string; config: { rounds: number } }
  return { runId: out.runId, rounds: out.config.rounds }
}

async function showTrials(runId: string, db: string): Promise<Figures> {
  const show = await runCli(['show', runId, '--db', db, '--json'])
  expect(show.code, show.stderr).toBe(0)
  return JSON.parse(show.stdout).trials.byTrial as Figures
}

// Issue 19: multi-trial episodes (RetroAct) from the CLI, on the surrogate and on a model server.
describe('usersim run … --set trials=N, show and export --format trajectories', () => {
  const dir = tempDir('usersim-trials-')
  const db = join(dir, 'trials.db')

  it('conversational: failed dialogues restart after a reflection, more users pass by each trial, and the trajectories validate', async () => {
    const { runId, rounds } = await runTrials(['conversational', '--agents', '300', '--set', 'trials=3', '--db', db])
    expect(rounds).toBe(15)
    const f = await showTrials(runId, db)
    expect(f.length).toBeGreaterThanOrEqual(2)
    expect(f[0]!.users).toBe(300)
    expect(f[1]!.users).toBe(f[0]!.users - f[0]!.passed)
    // Reflection helps: users who failed once pass more often in their second trial than users did in their first.
    expect(f[1]!.passRate).toBeGreaterThan(f[0]!.passRate)
    expect(f.at(-1)!.cumulativePassRate).toBeGreaterThan(f[0]!.cumulativePassRate)
    const show = JSON.parse((await runCli(['show', runId, '--db', db, '--json'])).stdout) as { trials: { reflections: { diagnosis: string; lessons: number }[] } }
    // What the reflections named: one lesson per user that failed with trials left, each with at least one cause.
    expect(show.trials.reflections.length).toBeGreaterThan(0)
    expect(Math.max(...show.trials.reflections.map((r) => r.lessons))).toBeLessThanOrEqual(f[1]!.users)

    const out = join(dir, 'traj')
    const ex = await runCli(['export', runId, '--db', db, '--format', 'trajectories', '--out', out, '--reward-c', '2', '--json'])
    expect(ex.code, ex.stderr).toBe(0)
    const planner = readJsonl(join(out, 'planner.jsonl'), plannerRow)
    const reflector = readJsonl(join(out, 'reflector.jsonl'), reflectorRow)
    const alpaca = readJsonl(join(out, 'il-alpaca.jsonl'), ilAlpacaRow)
    const chat = readJsonl(join(out, 'il-chat.jsonl'), ilChatRow)
    expect(planner.length).toBeGreaterThan(0)
    expect(reflector.length).toBe(f[1]!.users)
    expect(alpaca.length).toBe(chat.length)
    expect(alpaca.length).toBeLessThan(planner.length)
    expect(planner.some((p) => p.trial > 0 && p.reflections.length > 0)).toBe(true)
    expect(planner.filter((p) => p.trial === 0).every((p) => p.reflections.length === 0)).toBe(true)
    expect(planner.every((p) => p.logprobs === null)).toBe(true)
    for (const r of reflector) {
      expect(r.c).toBe(2)
      expect(r.reward).toBeCloseTo(reflectorReward(r.last_reward, r.current_reward, 2), 4)
      const lesson = reflectTrialOutput.parse(JSON.parse(r.output))
      // The surrogate's lesson names what went wrong, not filler.
      expect(lesson.diagnosis.length).toBeGreaterThan(0)
      expect(lesson.lesson).toMatch(/failed \((out-of-turns|gave-up|left-unsatisfied)/)
    }
    const card = readFileSync(join(out, 'README.md'), 'utf8')
    expect(card).toContain('trials by index: #1: 300 users')
  }, 300_000)

  it('interactive-feed with drift: recbot reflects and the trials show in show; --reward-c is refused for other formats', async () => {
    const { runId, rounds } = await runTrials(['interactive-feed', '--agents', '200', '--set', 'trials=3', '--set', 'setting=drift', '--set', 'maxRounds=4', '--db', db])
    expect(rounds).toBe(12)
    const f = await showTrials(runId, db)
    expect(f[0]!.users).toBe(200)
    expect(f.at(-1)!.cumulativePassRate).toBeGreaterThan(f[0]!.cumulativePassRate)
    // The report carries the same figures (drawn as the Trials table).
    const html = join(dir, 'report.html')
    const rep = await runCli(['report', runId, '--db', db, '--out', html])
    expect(rep.code, rep.stderr).toBe(0)
    const page = readFileSync(html, 'utf8')
    expect(page).toContain(`"trials":[{"trial":0,"users":200,"passed":${f[0]!.passed}`)
    expect(page).toContain('Trials (multi-trial episodes with reflection)')
    const bad = await runCli(['export', runId, '--db', db, '--format', 'events', '--out', join(dir, 'ev'), '--reward-c', '2'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--reward-c applies to --format trajectories/)
  }, 300_000)
})

describe('multi-trial runs on a model server (mock OpenAI-compatible)', () => {
  let server: OpenAiTestServer
  const dir = tempDir('usersim-trials-llm-')
  const db = join(dir, 'llm.db')
  beforeAll(async () => {
    server = await startOpenAiTestServer({ models: ['m'], latencyMs: 1 })
  })
  afterAll(async () => server?.close())

  for (const scenario of ['conversational', 'interactive-feed']) {
    it(`${scenario} --set trials=3 completes, sends the reflections to the model and shows the trials; --logprobs reaches the trajectories`, async () => {
      const { runId } = await runTrials([scenario, '--agents', '20', '--catalog', '300', '--set', 'trials=3', '--llm', 'openai', '--model', 'm', '--base-url', server.url, '--logprobs', '--no-cache', '--db', db])
      const out = join(dir, `traj-${scenario}`)
      const ex = await runCli(['export', runId, '--db', db, '--format', 'trajectories', '--out', out])
      expect(ex.code, ex.stderr).toBe(0)
      const planner = readJsonl(join(out, 'planner.jsonl'), plannerRow)
      const answered = planner.filter((p) => p.meta.model === 'm')
      expect(answered.length).toBeGreaterThan(0)
      // The behaviour policy's log-probabilities, one per token of the answer the server gave.
      for (const p of answered) {
        expect(p.logprobs!.length).toBeGreaterThan(0)
        expect(p.logprobs!.every((x) => x <= 0)).toBe(true)
      }
      const f = await showTrials(runId, db)
      expect(f[0]!.users).toBe(20)
      const d = new Database(db, { readonly: true })
      try {
        const calls = d.prepare("SELECT count(*) AS n FROM llm_calls WHERE task = 'reflect-trial' AND outcome = 'ok' AND run_key = (SELECT key FROM runs WHERE id = ?)").get(runId) as { n: number }
        // Every user that failed a trial with trials left got a reflection from the model.
        expect(calls.n).toBe(f.slice(1).reduce((n, x) => n + x.users, 0))
      } finally {
        d.close()
      }
    }, 300_000)
  }
})
