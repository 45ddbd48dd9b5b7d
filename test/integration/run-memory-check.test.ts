import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseRunConfig } from '../../src/config/index.ts'
import { createRunRow, runToEnd } from '../../src/runner/index.ts'
import { RunStore } from '../../src/store/index.ts'

// Issue 13: a run with a catalog that cannot fit crashed after a minute, and its resume did the same.
describe('a stored run whose catalog cannot fit', () => {
  it('is refused when continued (resume, branch) and recorded failed with the reason', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'usersim-mem-')), 'mem.db')
    const config = parseRunConfig({ scenario: 'feed', agents: 50, rounds: 2, slate: 5, policy: 'popularity', seed: 1, catalogSize: 10_000_000 })
    const store = new RunStore(db)
    try {
      createRunRow(store, 'big', 'feed', config)
      await expect(runToEnd(store, 'big', config, undefined, { threads: 0 })).rejects.toMatchObject({
        code: 'USAGE',
        message: expect.stringMatching(/--catalog 10,000,000 .* needs about [\d.]+ GB of heap in this process/),
      })
      expect(store.getRun('big')).toMatchObject({ status: 'failed', error: expect.stringContaining('--catalog 10,000,000') })
    } finally {
      store.close()
    }
  }, 60_000)
})
