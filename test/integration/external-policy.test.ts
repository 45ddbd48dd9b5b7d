import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { popularityPolicy, bprPolicy } from '../../agents/recommenders/index.ts'
import type { RunConfig } from '../../src/config/index.ts'
import { startPolicyServer, type PolicyServer } from '../../src/external/testing/policy-server.ts'
import { buildRunConfig, createShardEnv } from '../../src/runner/index.ts'
import { RunStore } from '../../src/store/index.ts'
import { tempDir } from '../helpers/cli.ts'
import { launchRun, resumeRun } from '../helpers/launch.ts'

const dir = tempDir('usersim-ext-')
let servers: PolicyServer[] = []
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()))
  servers = []
})

async function serve(config: RunConfig, policy = popularityPolicy(), opts: { maxBatch?: number } = {}) {
  const env = await createShardEnv(config)
  const s = await startPolicyServer({ policy: policy as never, catalog: env.catalog, ...opts })
  servers.push(s)
  return s
}

const hashOf = (db: string, runId: string) => {
  const s = new RunStore(db, { readonly: true })
  try {
    return s.eventsHash(runId)
  } finally {
    s.close()
  }
}

describe('external policies over usersim.policy.v1', () => {
  it('a policy served over HTTP gives exactly its in-process results, for any threads, shards and batch size', async () => {
    for (const [name, make] of [['popularity', () => popularityPolicy()], ['bpr', () => bprPolicy({})]] as const) {
      const { config: local } = await buildRunConfig('feed', { agents: 240, rounds: 3, catalogSize: 300, seed: 4, policy: name })
      const inProcess = await launchRun(local, { db: join(dir, `${name}-local.db`), threads: 0 })
      const server = await serve(local, make() as never, { maxBatch: 37 })
      const { config } = await buildRunConfig('feed', { agents: 240, rounds: 3, catalogSize: 300, seed: 4, policy: server.url, policyOptions: { batchSize: 50 } })
      const a = await launchRun(config, { db: join(dir, `${name}-ext-a.db`), threads: 0, shards: 3 })
      const b = await launchRun(config, { db: join(dir, `${name}-ext-b.db`), threads: 2, shards: 5 })
      expect(a.rounds).toEqual(inProcess.rounds)
      expect(hashOf(join(dir, `${name}-ext-a.db`), a.runId)).toBe(hashOf(join(dir, `${name}-local.db`), inProcess.runId))
      expect(hashOf(join(dir, `${name}-ext-b.db`), b.runId)).toBe(hashOf(join(dir, `${name}-local.db`), inProcess.runId))
      // One /reset per run, one /learn for the feed's burn-in history and one per round, and every present user asked once per round.
      expect(server.stats.reset).toBe(2)
      expect(server.stats.learn).toBe(8)
      expect(server.stats.users).toBe(2 * a.rounds.reduce((n, m) => n + m.present, 0))
    }
  }, 120_000)

  it('retries timeouts and 5xx, then goes on with the same results', async () => {
    const { config: c0 } = await buildRunConfig('feed', { agents: 60, rounds: 2, catalogSize: 300, seed: 5 })
    const server = await serve(c0)
    const { config } = await buildRunConfig('feed', { agents: 60, rounds: 2, catalogSize: 300, seed: 5, policy: server.url, policyOptions: { timeoutMs: 300, backoffMs: 10 } })
    const clean = await launchRun(config, { db: join(dir, 'retry-clean.db'), threads: 0 })
    server.inject('/recommend', { kind: 'status', status: 503 }, { kind: 'hang' }, { kind: 'status', status: 500 })
    server.inject('/learn', { kind: 'status', status: 502 })
    const faulty = await launchRun(config, { db: join(dir, 'retry-faulty.db'), threads: 0 })
    expect(faulty.rounds).toEqual(clean.rounds)
  }, 60_000)

  it.each([
    ['unknown-item', /policy http:\/\/127\.0\.0\.1:\d+: the \/recommend answer for round 0, user \d+ is not usable: slates\[0\]\.items\[0\]: \d+ is not a catalog id \(size 300\)/],
    ['duplicate-item', /user \d+ is not usable: slates\[0\]\.items\[1\]: \d+ appears twice/],
    ['too-many-items', /user \d+ is not usable: slates\[0\]\.items: 11 items, more than k = 10/],
    ['not-json', /POST \/recommend: the answer is not JSON/],
  ] as const)('an invalid answer (%s) stops the run with the policy, the user and the field', async (kind, message) => {
    const { config: c0 } = await buildRunConfig('feed', { agents: 30, rounds: 2, catalogSize: 300, seed: 6 })
    const server = await serve(c0)
    server.inject('/recommend', { kind })
    const { config } = await buildRunConfig('feed', { agents: 30, rounds: 2, catalogSize: 300, seed: 6, policy: server.url })
    const db = join(dir, `invalid-${kind}.db`)
    await expect(launchRun(config, { db, threads: 0 })).rejects.toMatchObject({ code: 'POLICY_FAILED', message: expect.stringMatching(message) })
    const store = new RunStore(db, { readonly: true })
    try {
      expect(store.listRuns()[0]!.status).toBe('failed')
    } finally {
      store.close()
    }
  }, 60_000)

  it('a policy server that stays down stops the run after its checkpoint; resume continues once it is back, to the same result', async () => {
    const { config: c0 } = await buildRunConfig('feed', { agents: 80, rounds: 4, catalogSize: 300, seed: 7, policy: 'bpr' })
    const server = await serve(c0, bprPolicy({}) as never)
    const { config } = await buildRunConfig('feed', { agents: 80, rounds: 4, catalogSize: 300, seed: 7, policy: server.url, policyOptions: { attempts: 2, backoffMs: 10, timeoutMs: 500 } })
    const whole = await launchRun(config, { db: join(dir, 'down-whole.db'), threads: 0 })
    const db = join(dir, 'down.db')
    const failing = launchRun(config, { db, threads: 0, on: { 'round:done': async ({ round }) => void (round === 1 && (await server.stop())) } })
    await expect(failing).rejects.toMatchObject({ code: 'POLICY_UNAVAILABLE', message: expect.stringMatching(/policy http:\/\/127\.0\.0\.1:\d+: POST \/recommend failed 2 times .*the run is checkpointed.*usersim resume/) })
    const store = new RunStore(db, { readonly: true })
    const runId = store.listRuns()[0]!.id
    store.close()
    // The server comes back empty: resume resets it and replays the rounds it had learned.
    await server.restart()
    const resumed = await resumeRun(db, runId, { threads: 0 })
    expect(resumed.fromRound).toBe(2)
    expect(resumed.result.rounds).toEqual(whole.rounds)
    expect(hashOf(db, runId)).toBe(hashOf(join(dir, 'down-whole.db'), whole.runId))
  }, 60_000)

  it('bad options are refused before a run exists, naming the known ones', async () => {
    await expect(buildRunConfig('feed', { policy: 'http://127.0.0.1:9', policyOptions: { timeout: 5 } })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/invalid options for the external policy http:\/\/127\.0\.0\.1:9 \(known: timeoutMs, attempts, backoffMs, batchSize, concurrency, authEnv\)/),
    })
  })
})
