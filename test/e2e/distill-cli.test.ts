import Database from 'better-sqlite3'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { scriptedUserAnswer } from '../../src/llm/testing/scripted-user-model.ts'
import { runCli, tempDir } from '../helpers/cli.ts'

/** The figures `distill` stores per task. */
interface Figures {
  calls: number
  clickF1: number | null
  ratingRmse: number | null
  leaveAgreement: number | null
  satisfactionW1: number | null
}

describe('usersim distill (against the scripted user model)', () => {
  let server: OpenAiTestServer
  const dir = tempDir('usersim-distill-')
  const db = join(dir, 'distill.db')
  const profileFile = join(dir, 'profile.json')
  let modelRun = ''

  beforeAll(async () => {
    server = await startOpenAiTestServer({ models: ['m'], answer: scriptedUserAnswer(), keepRequests: false })
    const run = await runCli(['run', 'feed', '--agents', '300', '--rounds', '2', '--catalog', '400', '--seed', '5', '--llm', 'openai', '--model', 'm', '--base-url', server.url, '--db', db, '--json'])
    expect(run.code, run.stderr).toBe(0)
    modelRun = JSON.parse(run.stdout).runId
  }, 300_000)
  afterAll(async () => {
    await server.close()
  })

  it('fits the surrogate to the model: agreement on held-out agents rises from the default level', async () => {
    const r = await runCli(['distill', modelRun, '--db', db, '--out', profileFile])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/click F1/)
    const profile = JSON.parse(readFileSync(profileFile, 'utf8'))
    expect(profile).toMatchObject({ format: 'usersim.surrogate-profile.v1', sourceRun: modelRun, holdout: { share: 0.2 } })
    expect(profile.hash).toMatch(/^[0-9a-f]{64}$/)
    const slate = profile.tasks['evaluate-slate'].fit as { before: Figures; after: Figures }
    expect(slate.after.calls).toBeGreaterThan(50)
    expect(slate.before.clickF1).toBeLessThan(0.7)
    expect(slate.after.clickF1).toBeGreaterThan(0.85)
    expect(slate.after.ratingRmse).toBeLessThan(0.6)
    expect(slate.after.satisfactionW1!).toBeLessThan(slate.before.satisfactionW1!)
    const decide = profile.tasks['decide-continue'].fit as { before: Figures; after: Figures }
    expect(decide.after.leaveAgreement!).toBeGreaterThan(decide.before.leaveAgreement!)
    const d = new Database(db, { readonly: true })
    const stored = d.prepare('SELECT source_run FROM surrogate_profiles WHERE hash = ?').get(profile.hash) as { source_run: string }
    d.close()
    expect(stored.source_run).toBe(modelRun)

    // The same run and seed give the same profile (its hash).
    const again = await runCli(['distill', modelRun, '--db', db, '--out', join(dir, 'again.json'), '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout).hash).toBe(profile.hash)
  }, 300_000)

  it('says what is wrong with bad input', async () => {
    const noOut = await runCli(['distill', modelRun, '--db', db])
    expect(noOut.code).toBe(2)
    expect(noOut.stderr).toMatch(/--out/)
    const badTask = await runCli(['distill', modelRun, '--db', db, '--out', join(dir, 'x.json'), '--tasks', 'write-poem'])
    expect(badTask.code).toBe(2)
    expect(badTask.stderr).toMatch(/write-poem.*not a distillable task/)
    const surrogateRun = await runCli(['run', 'feed', '--agents', '20', '--rounds', '1', '--db', db, '--json'])
    const sid = JSON.parse(surrogateRun.stdout).runId
    const none = await runCli(['distill', sid, '--db', db, '--out', join(dir, 'y.json')])
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/no recorded model answers/)
  }, 300_000)

  it('runs the whole population on the distilled surrogate: seeded, and unlike the default surrogate', async () => {
    const args = ['run', 'feed', '--agents', '200', '--rounds', '2', '--catalog', '400', '--seed', '9', '--db', db, '--json']
    const a = await runCli([...args, '--surrogate-profile', profileFile, '--threads', '0'])
    expect(a.code, a.stderr).toBe(0)
    const b = await runCli([...args, '--surrogate-profile', profileFile, '--threads', '2'])
    const plain = await runCli(args)
    const [ra, rb, rp] = [a, b, plain].map((r) => JSON.parse(r.stdout))
    const profile = JSON.parse(readFileSync(profileFile, 'utf8'))
    expect(ra.config.hybrid.profile.hash).toBe(profile.hash)
    expect(rb.summary).toEqual(ra.summary)
    expect(rp.summary).not.toEqual(ra.summary)
    const d = new Database(db, { readonly: true })
    const calls = d.prepare('SELECT count(*) AS n FROM llm_calls WHERE run_key = (SELECT key FROM runs WHERE id = ?)').get(ra.runId) as { n: number }
    d.close()
    expect(calls.n).toBe(0)
  }, 300_000)

  it('runs a hybrid population: a stratified sample on the model, the rest on the surrogate, audited, with costs', async () => {
    server.reset()
    const r = await runCli(['run', 'feed', '--agents', '600', '--rounds', '2', '--catalog', '400', '--seed', '11', '--llm', 'openai', '--model', 'm', '--base-url', server.url,
      '--model-share', '0.1', '--surrogate-profile', profileFile, '--price', 'm=1/2', '--db', db, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    const sample = out.config.hybrid.modelAgents as number[]
    expect(sample.length).toBeGreaterThan(40)
    expect(sample.length).toBeLessThan(120)
    expect(out.config.hybrid.strata).toBeGreaterThan(3)
    const d = new Database(db, { readonly: true })
    const agents = d.prepare('SELECT DISTINCT agent_id FROM llm_calls WHERE run_key = (SELECT key FROM runs WHERE id = ?)').pluck().all(out.runId) as number[]
    d.close()
    expect(agents.length).toBeGreaterThan(0)
    expect(agents.every((a) => sample.includes(a))).toBe(true)

    const show = await runCli(['show', out.runId, '--db', db, '--json'])
    expect(show.code, show.stderr).toBe(0)
    const h = JSON.parse(show.stdout).hybrid
    const slate = h.audit.filter((a: { task: string }) => a.task === 'evaluate-slate')
    expect(slate).toHaveLength(2)
    for (const a of slate) {
      expect(a.modelCalls).toBeGreaterThan(0)
      expect(a.surrogateCalls).toBeGreaterThan(a.modelCalls)
      expect(a.clickF1.n).toBe(a.modelCalls)
      expect(a.clickF1.lo).toBeLessThanOrEqual(a.clickF1.mean)
      expect(a.clickF1.mean).toBeGreaterThan(0.8)
    }
    expect(h.cost.total.tokenShare).toBeGreaterThan(0.05)
    expect(h.cost.total.tokenShare).toBeLessThan(0.2)
    expect(h.cost.total.projectedMoney).toBeGreaterThan(h.cost.total.money)
    expect(h.groups.map((g: { metric: string }) => g.metric)).toEqual(['ctr', 'satisfaction', 'leaveRate'])
    expect(h.byRound).toHaveLength(2)
    expect(h.byRound[0].model.agents).toBe(sample.length)
    expect(h.byRound[0].surrogate.agents).toBe(600 - sample.length)
    const text = await runCli(['show', out.runId, '--db', db])
    expect(text.stdout).toMatch(/shadow audit/)
    expect(text.stdout).toMatch(/tokens at share 1/)
    const html = join(dir, 'report.html')
    const report = await runCli(['report', out.runId, '--db', db, '--out', html])
    expect(report.code, report.stderr).toBe(0)
    const page = readFileSync(html, 'utf8')
    expect(page).toMatch(/"hybrid":\{"modelShare":0.1/)
    expect(page).toMatch(/Shadow audit/)
  }, 300_000)

  it('refuses a bad profile or a model share without a model', async () => {
    const share = await runCli(['run', 'feed', '--agents', '20', '--rounds', '1', '--model-share', '0.1', '--db', db])
    expect(share.code).toBe(2)
    expect(share.stderr).toMatch(/--model-share needs --llm openai/)
    const refit = await runCli(['run', 'feed', '--agents', '20', '--rounds', '1', '--surrogate-profile', profileFile, '--redistill', '--db', db])
    expect(refit.code).toBe(2)
    expect(refit.stderr).toMatch(/--redistill needs --model-share/)
    const missing = await runCli(['run', 'feed', '--agents', '20', '--rounds', '1', '--surrogate-profile', join(dir, 'nope.json'), '--db', db])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/no such file/)
    const edited = JSON.parse(readFileSync(profileFile, 'utf8'))
    edited.tasks['evaluate-slate'].params.click[1] = 99
    writeFileSync(join(dir, 'edited.json'), JSON.stringify(edited))
    const tampered = await runCli(['run', 'feed', '--agents', '20', '--rounds', '1', '--surrogate-profile', join(dir, 'edited.json'), '--db', db])
    expect(tampered.code).toBe(2)
    expect(tampered.stderr).toMatch(/hash does not match/)
  }, 300_000)
})
