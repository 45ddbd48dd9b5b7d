import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import '../../src/datasets/formats/index.ts'
import { exportFormat } from '../../src/datasets/export-registry.ts'
import { buildRunConfig } from '../../src/runner/index.ts'
import { RunStore } from '../../src/store/index.ts'
import { tempDir } from '../helpers/cli.ts'
import { launchRun } from '../helpers/launch.ts'
import { runPython, startPolicyServer } from '../helpers/python-policy.ts'

// simulate search → export impressions → train the OnePiece-style ranker → serve it → simulate against it.
describe('the OnePiece-style ranker on a search run', () => {
  it('trains on the impression export and serves usersim run search over the protocol', async () => {
    const dir = tempDir('usersim-onepiece-')
    const db = join(dir, 's.db')
    const base = { agents: 200, rounds: 3, catalogSize: 400, seed: 3 }
    const { config } = await buildRunConfig('search', { ...base, policy: 'bm25' })
    const first = await launchRun(config, { db, threads: 0 })
    const store = new RunStore(db)
    try {
      await exportFormat('impressions')!.write(store, first.runId, join(dir, 'imp'), {})
    } finally {
      store.close()
    }
    const model = join(dir, 'onepiece.pt')
    const trained = await runPython(['onepiece/train.py', '--data', join(dir, 'imp'), '--out', model, '--epochs', '2', '--dim', '16'], 300_000)
    expect(trained.code, trained.stderr).toBe(0)
    const metrics = JSON.parse(trained.stdout.trim().split('\n').at(-1)!) as { c_auc: number; a_auc: number; o_auc: number; test_requests: number }
    expect(metrics.test_requests).toBeGreaterThan(0)
    for (const k of ['c_auc', 'a_auc', 'o_auc'] as const) expect(metrics[k]).toBeGreaterThan(0)

    const server = await startPolicyServer(['onepiece/serve.py', '--model', model, '--port', '0'])
    try {
      const { config: served } = await buildRunConfig('search', { ...base, policy: server.url })
      const second = await launchRun(served, { db, threads: 0 })
      expect(second.summary.searches).toBeGreaterThan(0)
      // It answers the queries: far fewer bad pages than a policy that ignores them.
      const { config: blind } = await buildRunConfig('search', { ...base, policy: 'popularity' })
      const third = await launchRun(blind, { db, threads: 0 })
      expect(second.summary.badQueryRate).toBeLessThan(third.summary.badQueryRate - 0.2)
    } finally {
      await server.stop()
    }
  }, 600_000)
})
