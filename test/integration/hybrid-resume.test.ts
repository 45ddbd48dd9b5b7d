import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { roundTaskAudits } from '../../src/distill/audit-repo.ts'
import { withModelSample } from '../../src/distill/strata.ts'
import { openAiSettingsSchema } from '../../src/llm/settings.ts'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { scriptedUserAnswer } from '../../src/llm/testing/scripted-user-model.ts'
import { buildRunConfig } from '../../src/runner/index.ts'
import { RunStore } from '../../src/store/index.ts'
import { tempDir } from '../helpers/cli.ts'
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
})
