import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildRunConfig } from '../../src/runner/index.ts'
import { launchRun } from '../helpers/launch.ts'
import { RunStore } from '../../src/store/index.ts'

const db = join(mkdtempSync(join(tmpdir(), 'usersim-if-')), 'runs.db')

async function finalMetrics(policy: string, setting = 'multi') {
  const { config } = await buildRunConfig('interactive-feed', { agents: 60, policy, catalogSize: 2000, params: { setting } })
  const res = await launchRun(config, { db, threads: 0 })
  return { runId: res.runId, m: res.rounds.at(-1)!.custom }
}

describe('interactive-feed scenario (in process, 60 users)', () => {
  it('RecBot beats the keyword matcher, which beats the command-blind BPR feed', async () => {
    const recbot = (await finalMetrics('recbot')).m
    const keyword = (await finalMetrics('keyword')).m
    const bpr = (await finalMetrics('bpr')).m
    expect(recbot.pass_rate).toBeGreaterThan(keyword.pass_rate!)
    expect(keyword.pass_rate).toBeGreaterThan(bpr.pass_rate!)
    expect(recbot.csr_at_k).toBeGreaterThan(keyword.csr_at_k!)
    expect(recbot.recall_at_k).toBeGreaterThan(bpr.recall_at_k!)
    expect(recbot.unparsed).toBe(0)
  }, 120_000)

  it('single-round: one composite command, judged on the next feed', async () => {
    const { runId, m } = await finalMetrics('recbot', 'single')
    expect(m.avg_rounds).toBeLessThanOrEqual(2)
    const store = new RunStore(db)
    try {
      const said = store.db.prepare("SELECT text FROM utterances WHERE run_id = ? AND round = 0 AND kind = 'command'").all(runId) as { text: string }[]
      expect(said.length).toBeGreaterThan(0)
      expect(said.every((s) => s.text.includes("I'm looking for"))).toBe(true)
      const later = store.db.prepare('SELECT count(*) AS n FROM events WHERE run_key = ? AND round >= 2 AND present = 1').get(store.runKey(runId)) as { n: number }
      expect(later.n).toBe(0)
    } finally {
      store.close()
    }
  }, 60_000)

  it('interest drift: users change their mind mid-episode and the parser overwrites the memory', async () => {
    const { runId, m } = await finalMetrics('recbot', 'drift')
    expect(m.pass_rate).toBeGreaterThan(0)
    const store = new RunStore(db)
    try {
      const drift = store.db.prepare("SELECT count(*) AS n FROM utterances WHERE run_id = ? AND text LIKE '%no longer want%'").get(runId) as { n: number }
      expect(drift.n).toBeGreaterThan(0)
      const overwrites = store.db.prepare("SELECT count(*) AS n FROM task_traces WHERE run_key = ? AND task = 'parse-command' AND json_extract(output, '$.update') = 'overwrite'").get(store.runKey(runId)) as { n: number }
      expect(overwrites.n).toBeGreaterThan(0)
    } finally {
      store.close()
    }
  }, 60_000)
})
