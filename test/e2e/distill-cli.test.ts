import Database from 'better-sqlite3'
import { readFileSync } from 'node:fs'
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
  }, 120_000)
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
  }, 120_000)

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
  }, 120_000)
})
