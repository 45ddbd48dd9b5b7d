import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import '../../src/datasets/formats/index.ts'
import { exportFormat } from '../../src/datasets/export-registry.ts'
import { buildRunConfig } from '../../src/runner/index.ts'
import { iterateEvents, RunStore } from '../../src/store/index.ts'
import { ROOT, tempDir } from '../helpers/cli.ts'
import { launchRun } from '../helpers/launch.ts'

const PY = '/usr/bin/python3'

describe('training-log exports (sequences, graph, recbole)', () => {
  it('write what the reference trainers read, the same consumption in every format, RecBole\'s typed atomic files', async () => {
    const dir = tempDir('usersim-tlog-')
    const db = join(dir, 'r.db')
    const { config } = await buildRunConfig('feed', { agents: 120, rounds: 4, catalogSize: 300, seed: 2, policy: 'bpr' })
    const { runId } = await launchRun(config, { db, threads: 0 })
    const store = new RunStore(db)
    try {
      const clicks = [...iterateEvents(store, runId)].reduce((n, e) => n + e.clicks.length, 0)
      const users = new Set([...iterateEvents(store, runId)].filter((e) => e.clicks.length).map((e) => e.agent)).size
      for (const f of ['sequences', 'graph', 'recbole']) await exportFormat(f)!.write(store, runId, join(dir, f), { name: 'sim' })

      // The Python readers of examples/policies accept them (ranges checked against card.json).
      const read = execFileSync(
        PY,
        ['-c', `import json,sys; sys.path.insert(0, 'examples/policies'); from usersim_policy.data import read_sequences, read_graph
s = read_sequences(sys.argv[1]); g = read_graph(sys.argv[2])
print(json.dumps({"seq": [len(s.train), len(s.valid), len(s.test)], "graph": [len(g.train), len(g.valid), len(g.test)], "items": s.items, "users": s.users}))`, join(dir, 'sequences'), join(dir, 'graph')],
        { cwd: ROOT, encoding: 'utf8' },
      )
      const r = JSON.parse(read) as { seq: number[]; graph: number[]; items: number; users: number }
      expect(r.items).toBe(300)
      expect(r.users).toBe(120)
      // Every consumption is one graph edge; every one but each user's first is a sequence row.
      expect(r.graph.reduce((a, b) => a + b)).toBe(clicks)
      expect(r.seq.reduce((a, b) => a + b)).toBe(clicks - users)

      // RecBole: tab-separated, headers name:type with RecBole's types, one row per impression.
      const inter = readFileSync(join(dir, 'recbole', 'sim', 'sim.inter'), 'utf8').trimEnd().split('\n')
      expect(inter[0]).toBe('user_id:token\titem_id:token\trating:float\ttimestamp:float\tposition:float\tlabel:float\tcart:float\torder:float')
      const labels = inter.slice(1).map((l) => l.split('\t'))
      expect(labels.every((c) => c.length === 8)).toBe(true)
      expect(labels.filter((c) => c[5] === '1').length).toBe(clicks)
      // A feed has no funnel past the click.
      expect(labels.filter((c) => c[6] !== '0' || c[7] !== '0').length).toBe(0)
      for (const file of ['sim.user', 'sim.item']) {
        const head = readFileSync(join(dir, 'recbole', 'sim', file), 'utf8').split('\n')[0]!.split('\t')
        for (const h of head) expect(h).toMatch(/^[a-z_]+:(token|token_seq|float|float_seq)$/)
      }
      expect(readFileSync(join(dir, 'recbole', 'sim', 'sim.user'), 'utf8')).not.toMatch(/taste|hidden/)
    } finally {
      store.close()
    }
  }, 120_000)
})
