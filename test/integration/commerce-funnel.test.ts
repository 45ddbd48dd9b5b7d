import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import '../../src/datasets/formats/index.ts'
import { exportFormat } from '../../src/datasets/export-registry.ts'
import { buildRunConfig, createShardEnv } from '../../src/runner/index.ts'
import { iterateEvents, RunStore } from '../../src/store/index.ts'
import { tempDir } from '../helpers/cli.ts'
import { launchRun } from '../helpers/launch.ts'

describe('the shop scenario: impression → click → cart → order', () => {
  it('logs the funnel, measures it from the log, exports its labels, and does not depend on sharding', async () => {
    const dir = tempDir('usersim-shop-')
    const { config } = await buildRunConfig('shop', { agents: 300, rounds: 3, catalogSize: 400, seed: 5, policy: 'bpr' })
    const a = await launchRun(config, { db: join(dir, 'a.db'), threads: 0 })
    const b = await launchRun(config, { db: join(dir, 'b.db'), threads: 2, shards: 5 })
    const store = new RunStore(join(dir, 'a.db'))
    const other = new RunStore(join(dir, 'b.db'))
    try {
      expect(store.eventsHash(a.runId)).toBe(other.eventsHash(b.runId))
      expect(a.rounds).toEqual(b.rounds)

      const { catalog } = await createShardEnv(config, 1)
      let clicks = 0, carts = 0, orders = 0, gmv = 0, present = 0, buyers = 0
      for (const e of iterateEvents(store, a.runId)) {
        if (!e.present) continue
        present++
        clicks += e.clicks.length
        carts += e.carts.length
        orders += e.orders.length
        if (e.orders.length) buyers++
        for (const c of e.carts) expect(e.clicks).toContain(c)
        for (const o of e.orders) expect(e.carts).toContain(o)
        const value = e.orders.reduce((s, id) => s + catalog.items[id]!.price, 0)
        expect(e.gmv).toBeCloseTo(value, 6)
        gmv += e.gmv
      }
      expect(carts).toBeGreaterThan(0)
      expect(orders).toBeGreaterThan(0)
      expect(carts).toBeLessThan(clicks)
      const s = a.summary
      expect(s.carts).toBe(carts)
      expect(s.orders).toBe(orders)
      expect(s.cartRate).toBeCloseTo(carts / clicks, 5)
      expect(s.conversion).toBeCloseTo(buyers / present, 5)
      expect(s.gmv).toBeCloseTo(gmv, 2)

      for (const f of ['recbole', 'sequences', 'graph', 'events']) await exportFormat(f)!.write(store, a.runId, join(dir, f), { name: 'shop' })
      const inter = readFileSync(join(dir, 'recbole', 'shop', 'shop.inter'), 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split('\t'))
      expect(inter.filter((c) => c[5] === '1').length).toBe(clicks)
      expect(inter.filter((c) => c[6] === '1').length).toBe(carts)
      expect(inter.filter((c) => c[7] === '1').length).toBe(orders)
      // Labels nest: an order is a cart is a click.
      expect(inter.every((c) => c[7]! <= c[6]! && c[6]! <= c[5]!)).toBe(true)
      const csvRows = (f: string) => ['train', 'valid', 'test'].flatMap((s) => readFileSync(join(dir, f, `${s}.csv`), 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(',')))
      const edges = csvRows('graph')
      expect(readFileSync(join(dir, 'graph', 'train.csv'), 'utf8').split('\n')[0]).toBe('user_id,item_id,weight,carted,ordered')
      expect(edges.filter((c) => c[3] === '1').length).toBe(carts)
      expect(edges.filter((c) => c[4] === '1').length).toBe(orders)
      expect(readFileSync(join(dir, 'sequences', 'train.csv'), 'utf8').split('\n')[0]).toBe('user_id,item_id,history_id,carted,ordered')
      const events = readFileSync(join(dir, 'events', 'events.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { orders: number[]; gmv: number })
      expect(events.reduce((n, e) => n + e.orders.length, 0)).toBe(orders)
    } finally {
      store.close()
      other.close()
    }
  }, 180_000)
})
