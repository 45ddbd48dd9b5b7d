import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { roundTaskAudits } from '../../src/distill/audit-repo.ts'
import { estimate } from '../../src/distill/audit-tally.ts'
import { profileHash } from '../../src/distill/distill-run.ts'
import { profileRefits } from '../../src/distill/samples-repo.ts'
import { PROFILE_FORMAT, type SurrogateProfile } from '../../src/config/index.ts'
import { EVALUATE_SLATE_DEFAULTS } from '../../agents/users/ailo/tasks/evaluate-slate-distill.ts'
import { DECIDE_CONTINUE_DEFAULTS } from '../../agents/users/ailo/tasks/decide-continue-distill.ts'
import { withModelSample } from '../../src/distill/strata.ts'
import { openAiSettingsSchema } from '../../src/llm/settings.ts'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { scriptedUserAnswer } from '../../src/llm/testing/scripted-user-model.ts'
import { buildRunConfig } from '../../src/runner/index.ts'
import { RunStore } from '../../src/store/index.ts'
import { tempDir } from '../helpers/cli.ts'
import { simulate } from '../../src/simulate.ts'
import Database from 'better-sqlite3'
import { launchRun, resumeRun } from '../helpers/launch.ts'

describe('a hybrid run stopped and resumed', () => {
  let server: OpenAiTestServer
  const dir = tempDir('usersim-hybrid-resume-')
  beforeAll(async () => {
    server = await startOpenAiTestServer({ models: ['m'], answer: scriptedUserAnswer(), keepRequests: false })
  })
  afterAll(async () => {
    await server.close()
  })

  it('reproduces the uninterrupted run: the same events, the same model-backed sample and the same audit', async () => {
    // No response cache: the resumed rounds ask the model again, as a fresh process would.
    const llm = openAiSettingsSchema.parse({ backend: 'openai', model: 'm', endpoints: [{ url: server.url, concurrency: 16 }], cache: false })
    const { config: built } = await buildRunConfig('feed', { agents: 400, rounds: 3, catalogSize: 300, seed: 21, llm, hybrid: { modelShare: 0.1 } })
    const config = await withModelSample(built)
    const whole = await launchRun(config, { db: join(dir, 'whole.db'), threads: 0 })
    let rounds = 0
    const stopped = await launchRun(config, { db: join(dir, 'cut.db'), threads: 0, shouldStop: () => ++rounds >= 1 })
    expect(stopped.stopped).toBe(true)
    const resumed = await resumeRun(join(dir, 'cut.db'), stopped.runId, { threads: 0 })
    expect(resumed.result.summary).toEqual(whole.summary)

    const read = (db: string, id: string) => {
      const s = new RunStore(join(dir, db))
      try {
        return { hash: s.eventsHash(id), audit: roundTaskAudits(s.db, s.runKey(id)), sample: s.getRun(id).config.hybrid?.modelAgents }
      } finally {
        s.close()
      }
    }
    const a = read('whole.db', whole.runId)
    const b = read('cut.db', stopped.runId)
    expect(b.hash).toBe(a.hash)
    expect(b.sample).toEqual(a.sample)
    expect(b.audit).toEqual(a.audit)
    expect(a.audit!.filter((x) => x.task === 'evaluate-slate')).toHaveLength(3)
  }, 300_000)

  it('refits the profile between rounds when the audit leaves the band, and a resume refits the same way', async () => {
    // A profile holding the default parameters: far from the scripted model (click F1 about 0.2).
    const none = { calls: 0, clickF1: null, ratingRmse: null, ratingPairs: 0, leaveAgreement: null, satisfactionW1: null, satisfactionKs: null }
    const tasks = {
      'evaluate-slate': { version: 1, params: EVALUATE_SLATE_DEFAULTS, fit: { trainCalls: 0, heldOutCalls: 0, before: none, after: none } },
      'decide-continue': { version: 1, params: DECIDE_CONTINUE_DEFAULTS, fit: { trainCalls: 0, heldOutCalls: 0, before: none, after: none } },
    }
    const profile: SurrogateProfile = { format: PROFILE_FORMAT, hash: profileHash('defaults', tasks), sourceRun: 'defaults', createdAt: '2026-01-01T00:00:00.000Z', holdout: { share: 0.2, seed: 1, agents: 0 }, tasks }
    const llm = openAiSettingsSchema.parse({ backend: 'openai', model: 'm', endpoints: [{ url: server.url, concurrency: 16 }], cache: false })
    const { config: built } = await buildRunConfig('feed', { agents: 1200, rounds: 3, catalogSize: 300, seed: 22, llm, hybrid: { modelShare: 0.1, profile, redistill: true } })
    const config = await withModelSample(built)
    const whole = await launchRun(config, { db: join(dir, 'refit.db'), threads: 0 })
    let rounds = 0
    const stopped = await launchRun(config, { db: join(dir, 'refit-cut.db'), threads: 0, shouldStop: () => ++rounds >= 2 })
    const resumed = await resumeRun(join(dir, 'refit-cut.db'), stopped.runId, { threads: 0 })
    expect(resumed.result.summary).toEqual(whole.summary)

    const read = (db: string, id: string) => {
      const s = new RunStore(join(dir, db))
      try {
        const key = s.runKey(id)
        return { hash: s.eventsHash(id), audit: roundTaskAudits(s.db, key)!, refits: profileRefits(s.db, key) }
      } finally {
        s.close()
      }
    }
    const a = read('refit.db', whole.runId)
    const b = read('refit-cut.db', stopped.runId)
    expect(a.refits.map((r) => r.round)).toEqual([0])
    expect(a.refits[0]!.reason).toMatch(/evaluate-slate click F1/)
    const fig = a.refits[0]!.figures['evaluate-slate'] as { before: { clickF1: number }; after: { clickF1: number } }
    expect(fig.after.clickF1).toBeGreaterThan(fig.before.clickF1)
    const f1 = (round: number) => estimate(a.audit.find((x) => x.round === round && x.task === 'evaluate-slate')!.audit.clickF1)!.mean
    expect(f1(0)).toBeLessThan(0.6)
    expect(f1(1)).toBeGreaterThan(0.8)
    expect(b.hash).toBe(a.hash)
    // The refitted profile names its source run, so only its hash differs between the two runs.
    const strip = (r: typeof a.refits) => r.map(({ newHash: _h, ...rest }) => rest)
    expect(strip(b.refits)).toEqual(strip(a.refits))
    expect(b.audit).toEqual(a.audit)
  }, 300_000)

  it('simulate() draws the model-backed sample as the CLI does', async () => {
    const db = join(dir, 'simulate.db')
    const r = await simulate('feed', { agents: 300, rounds: 1, catalogSize: 300, seed: 5, db, threads: 0, llm: { backend: 'openai', model: 'm', endpoints: [{ url: server.url, concurrency: 8 }] }, hybrid: { modelShare: 0.1 } })
    const d = new Database(db, { readonly: true })
    try {
      const config = JSON.parse(d.prepare('SELECT config FROM runs WHERE id = ?').pluck().get(r.runId) as string)
      const sample = config.hybrid.modelAgents as number[]
      expect(sample.length).toBeGreaterThan(20)
      expect(sample.length).toBeLessThan(80)
      const agents = d.prepare('SELECT DISTINCT agent_id FROM llm_calls WHERE run_key = (SELECT key FROM runs WHERE id = ?)').pluck().all(r.runId) as number[]
      expect(agents.length).toBeGreaterThan(0)
      expect(agents.every((a) => sample.includes(a))).toBe(true)
    } finally {
      d.close()
    }
  }, 300_000)
})
