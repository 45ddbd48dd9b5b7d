import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseRunConfig } from '../../src/config/index.ts'
import { RunStore } from '../../src/store/index.ts'
import { LEASE_TTL_MS, leaseIsLive } from '../../src/store/sqlite/run-lease.ts'
import { tempDir } from '../helpers/cli.ts'

const stores: RunStore[] = []
afterEach(() => stores.splice(0).forEach((s) => s.close()))

const config = parseRunConfig({ scenario: 'feed', agents: 2, rounds: 1, slate: 2, policy: 'random', seed: 1, catalogSize: 10, params: {}, policyOptions: {}, ndcgSample: 0 })

function storeWithRun(): RunStore {
  const store = new RunStore(join(tempDir(), 'lease.db'))
  stores.push(store)
  store.createRun({ id: 'r1', scenario: 'feed', config, seed: 1, versions: {}, status: 'running', createdAt: '2026-01-01T00:00:00Z', parentRun: null, parentRound: null })
  return store
}

/** Hands the lease to a process on another host (whose pid this host cannot check), last seen `agoMs` ago. */
function leaseElsewhere(store: RunStore, agoMs: number): void {
  store.db.prepare("UPDATE runs SET lease_owner = 'pid 4242 on render-farm-7', lease_host = 'render-farm-7', lease_pid = 4242, lease_at = ?").run(Date.now() - agoMs)
}

describe('run lease', () => {
  it('a new running run is leased to this process, and reads running', () => {
    const store = storeWithRun()
    const run = store.getRun('r1')
    expect(run.status).toBe('running')
    expect(run.lease?.pid).toBe(process.pid)
  })

  it('another host\'s fresh lease keeps the run running and refuses a second driver, naming the holder', () => {
    const store = storeWithRun()
    leaseElsewhere(store, 1_000)
    expect(store.getRun('r1').status).toBe('running')
    expect(() => store.acquireLease('r1')).toThrow(/still running \(pid 4242 on render-farm-7, last heartbeat 1 s ago\)/)
    try {
      store.acquireLease('r1')
    } catch (err) {
      expect((err as { code: string }).code).toBe('RUN_BUSY')
    }
  })

  it('a lease without a heartbeat for longer than its time-to-live has lapsed: the run reads interrupted and can be taken over', () => {
    const store = storeWithRun()
    leaseElsewhere(store, LEASE_TTL_MS + 1_000)
    expect(store.getRun('r1').status).toBe('interrupted')
    store.acquireLease('r1')
    expect(store.getRun('r1').lease?.pid).toBe(process.pid)
  })

  it('a lease held on this host by a process that no longer exists is dead at once', () => {
    // A pid above the kernel's limit never exists.
    expect(leaseIsLive({ owner: 'x', host: hostname(), pid: 2 ** 22 + 1, at: Date.now() })).toBe(false)
  })

  it('a released lease leaves a stored running run reading interrupted (its process is gone)', () => {
    const store = storeWithRun()
    store.releaseLease('r1')
    expect(store.getRun('r1').status).toBe('interrupted')
    expect(store.getRun('r1').lease).toBeNull()
  })
})
