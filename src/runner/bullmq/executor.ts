import { serialize } from 'node:v8'
import { Queue, QueueEvents, type JobsOptions } from 'bullmq'
import type { Redis, RedisOptions } from 'ioredis'
import { SimError, type ShardInput, type ShardResult } from '../../core/index.ts'
import { type RunConfig } from '../../config/index.ts'
import type { ShardExecutor } from '../executor.ts'
import { codeVersionHash, scenarioFileHash } from './code-hash.ts'
import { checkRedisUrl, redactRedisUrl, redisConnection, waitReachable } from './connection.ts'
import { checkAddress, checkRunId, DEFAULT_ADDRESS, jobId, runKeys, warmupChannel, type QueueAddress } from './keys.ts'
import { deleteRunData } from './run-cleanup.ts'
import { decodeResult, JOB_FORMAT, MAX_PAYLOAD_BYTES, packMail, packStates, type ShardJob } from './wire.ts'

export interface BullmqExecutorOptions {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://` for TLS. */
  redis: string
  /** Extra ioredis options, e.g. `{ tls: { ca } }` for a private CA (the CLI uses NODE_EXTRA_CA_CERTS). */
  redisOptions?: RedisOptions
  config: RunConfig
  /** Agents in flight per shard on the worker (useful with a model backend). */
  concurrency?: number
  address?: Partial<QueueAddress>
  /** Tries per shard job before the run stops (default 3). */
  attempts?: number
  /** First retry delay, doubled each time (default 1000 ms). */
  backoffMs?: number
  maxPayloadBytes?: number
  /** How often the orchestrator checks its jobs, the workers and its heartbeat (default 1000 ms). */
  reconcileMs?: number
  /** Said once a round has waited this long with no worker connected (default 3000 ms), then every 30 s. */
  noWorkerNoticeMs?: number
  /** Things a person should know (no worker connected, a shard re-queued); not errors. */
  onNotice?: (message: string) => void
}

/** How long the run's heartbeat key outlives a silent orchestrator. */
const ALIVE_TTL_MS = 5 * 60_000
const HEARTBEAT_MS = 20_000
/** Results are collected within milliseconds; the TTL only guards against a dead orchestrator. */
export const RESULT_TTL_MS = 24 * 3600_000
/** A safety net only: a run's data outlives a killed orchestrator by at most this long. */
const DATA_TTL_MS = 7 * 24 * 3600_000
/** Failed jobs stay a week for inspection (Bull Board) unless the run's end removes them. */
const FAILED_JOB_AGE_S = 7 * 24 * 3600

/**
 * Runs each round's shards as BullMQ jobs on `usersim worker` processes, anywhere that
 * reaches the Redis server. One job per shard, id `<run>-<round>-<shard>`; the policy
 * snapshot goes in Redis once per round; bulk data travels in binary keys (see wire.ts).
 * Results are handed to `onShardDone` (which commits them idempotently) in completion
 * order. A job lost to a Redis restart is queued again; a job that fails every attempt
 * stops the run with the shard's error. The run's keys and jobs are gone after `close()`.
 *
 * @example
 * const result = await launchRun(config, {
 *   db: 'runs.db',
 *   shards: 40,
 *   executor: (config) => bullmqExecutor({ redis: 'redis://127.0.0.1:6379', config }),
 * })
 */
export async function bullmqExecutor(opts: BullmqExecutorOptions): Promise<ShardExecutor> {
  const url = checkRedisUrl(opts.redis)
  const where = redactRedisUrl(url)
  const address = checkAddress({ ...DEFAULT_ADDRESS, ...opts.address })
  const maxBytes = opts.maxPayloadBytes ?? MAX_PAYLOAD_BYTES
  const reconcileMs = opts.reconcileMs ?? 1000
  const noWorkerMs = opts.noWorkerNoticeMs ?? 3000
  const notice = opts.onNotice ?? (() => {})
  const jobOptions: JobsOptions = {
    attempts: opts.attempts ?? 3,
    backoff: { type: 'exponential', delay: opts.backoffMs ?? 1000 },
    removeOnComplete: true,
    removeOnFail: { age: FAILED_JOB_AGE_S },
  }
  // The run's LLM settings (never an API key: each worker reads its own from its environment).
  const llm = opts.config.llm
  const hashes = { codeHash: codeVersionHash({ fresh: true }), scenarioHash: scenarioFileHash(opts.config.scenario) }

  const redis = redisConnection(url, opts.redisOptions)
  const db = String(redis.options.db ?? 0)
  const eventsConn = redisConnection(url, opts.redisOptions)
  await waitReachable(redis, where)
  const queue = new Queue(address.queue, { connection: redis, prefix: address.prefix, streams: { events: { maxLen: 2000 } } })
  const events = new QueueEvents(address.queue, { connection: eventsConn, prefix: address.prefix })
  queue.on('error', () => {})
  events.on('error', () => {})
  await events.waitUntilReady()
  // Workers build the run's world while launchRun writes personas (a hint; no reply).
  await redis.publish(warmupChannel(address), JSON.stringify({ v: JOB_FORMAT, config: opts.config, ...hashes }))

  // Job ids of the round being waited for, and a wake-up for the wait loop.
  const inbox: Array<{ kind: 'completed' | 'failed'; id: string }> = []
  let wake: (() => void) | undefined
  events.on('completed', ({ jobId: id }) => {
    inbox.push({ kind: 'completed', id })
    wake?.()
  })
  events.on('failed', ({ jobId: id }) => {
    inbox.push({ kind: 'failed', id })
    wake?.()
  })

  let runId: string | undefined
  let keys: ReturnType<typeof runKeys> | undefined
  let heartbeat: NodeJS.Timeout | undefined
  const added = new Set<string>()
  // The previous round's packed states by shard: unchanged ranges reuse them as is.
  let packedByShard = new Map<number, { states: string; blob: Buffer }>()

  const beat = () => redis.set(keys!.alive, String(process.pid), 'PX', ALIVE_TTL_MS)
  // Time with shards queued and no worker connected, over every round so far.
  let waitedMs = 0

  return {
    name: `bullmq(${where} ${address.prefix}:${address.queue})`,

    async runRound(round, snapshot, shards, onShardDone) {
      if (!shards.length) return []
      if (!runId) {
        runId = checkRunId(shards[0]!.runId)
        keys = runKeys(address.prefix, runId)
        // A resumed run may find jobs of a crashed earlier attempt under the same ids.
        await deleteRunData(redis, queue, address.prefix, runId)
        heartbeat = setInterval(() => void beat().catch(() => {}), HEARTBEAT_MS).unref()
      }
      const k = keys!
      const snapBlob = serialize(snapshot)
      const inputs = new Map<number, { input: ShardInput; blob: Buffer; id: string }>()
      const nextPacked = new Map<number, { states: string; blob: Buffer }>()
      for (const input of shards) {
        const cached = packedByShard.get(input.shard)
        const blob = input.states === null ? Buffer.alloc(0) : cached && cached.states === input.states ? cached.blob : packStates(input.states)
        if (blob.length > maxBytes) {
          throw new SimError('DATA_INVALID', `shard ${input.shard} of round ${round} carries ${mb(blob.length)} of agent states, over the ${mb(maxBytes)} limit per shard: use more shards (--shards)`)
        }
        inputs.set(input.shard, { input, blob, id: jobId(runId, round, input.shard) })
      }
      const jobOf = (input: ShardInput): { name: string; data: ShardJob; opts: JobsOptions } => ({
        name: 'shard',
        data: {
          v: JOB_FORMAT, runId: runId!, round, shard: input.shard, start: input.start, end: input.end,
          hasStates: input.states !== null, hasInbox: !!input.inbox?.length, config: opts.config, llm,
          concurrency: opts.concurrency ?? 1, ...hashes, node: process.versions.node,
        },
        opts: { ...jobOptions, jobId: jobId(runId!, round, input.shard) },
      })
      const putInputs = async (which: number[]) => {
        const m = redis.multi().set(k.alive, String(process.pid), 'PX', ALIVE_TTL_MS).set(k.snapshot(round), snapBlob, 'PX', DATA_TTL_MS)
        for (const s of which) {
          const x = inputs.get(s)!
          // The mail goes before the input: a worker that finds its input finds its mail.
          if (x.input.inbox?.length) m.set(k.mail(round, s), packMail(x.input.inbox), 'PX', DATA_TTL_MS)
          m.set(k.input(round, s), x.blob, 'PX', DATA_TTL_MS)
        }
        await m.exec()
      }
      await putInputs([...inputs.keys()])
      await queue.addBulk([...inputs.values()].map((x) => jobOf(x.input)))
      for (const x of inputs.values()) added.add(x.id)

      const pending = new Map(inputs)
      const results: ShardResult[] = []
      const prefix = `${runId}-${round}-`
      let lastReconcile = 0
      let noWorkerSince: number | undefined
      let lastNoWorkerNotice = 0

      const collect = async (shard: number): Promise<boolean> => {
        const x = pending.get(shard)!
        const buf = await redis.getBuffer(k.result(round, shard))
        if (!buf) return false
        const { result, packedStates } = decodeResult(buf, `shard ${shard} of round ${round}`)
        if (result.runId !== runId || result.round !== round || result.shard !== shard || result.start !== x.input.start || result.end !== x.input.end) {
          throw new SimError('DATA_INVALID', `the result under ${k.result(round, shard)} is for run ${result.runId} round ${result.round} shard ${result.shard}, not this shard`)
        }
        onShardDone?.(result)
        pending.delete(shard)
        results.push(result)
        nextPacked.set(shard, { states: result.states, blob: packedStates })
        // Committed: the inputs and result can go (the job removed itself on completion).
        await redis.unlink(k.result(round, shard), k.input(round, shard), k.mail(round, shard))
        added.delete(x.id)
        return true
      }

      const failure = async (shard: number): Promise<never> => {
        const x = pending.get(shard)!
        const job = await queue.getJob(x.id)
        const reason = job?.failedReason ?? 'unknown reason'
        const tries = job ? `${job.attemptsMade} attempt${job.attemptsMade === 1 ? '' : 's'}` : 'its attempts'
        const by = job?.processedBy ? ` on worker ${job.processedBy}` : ''
        throw new SimError('SHARD_FAILED', `shard ${shard} of round ${round} (agents ${x.input.start}–${x.input.end - 1}) failed after ${tries}${by}: ${reason}`)
      }

      const reconcile = async () => {
        await beat()
        if (!(await redis.exists(k.snapshot(round)))) await redis.set(k.snapshot(round), snapBlob, 'PX', DATA_TTL_MS)
        const ids = [...pending.values()]
        const states = await Promise.all(ids.map((x) => queue.getJobState(x.id)))
        const lost: number[] = []
        for (let i = 0; i < ids.length; i++) {
          const x = ids[i]!
          const state = states[i]!
          if (state === 'failed') await failure(x.input.shard)
          // Gone without a result: Redis restarted (or lost data) under it. Queue it again.
          if (state === 'unknown' && !(await collect(x.input.shard))) lost.push(x.input.shard)
        }
        if (lost.length) {
          await putInputs(lost)
          await queue.addBulk(lost.map((s) => jobOf(inputs.get(s)!.input)))
          notice(`${lost.length} shard job${lost.length === 1 ? '' : 's'} of round ${round} vanished from Redis (restarted?); queued again: shard ${lost.join(', ')}`)
        }
        let workers = -1
        try {
          // CLIENT LIST is server-wide: count only workers on this database.
          workers = (await queue.getWorkers()).filter((c) => String(c.db ?? '0') === db).length
        } catch {
          // Some managed Redis services forbid CLIENT LIST; then we cannot tell.
        }
        const now = Date.now()
        if (workers === 0 && pending.size) {
          noWorkerSince ??= now
          if (now - noWorkerSince >= noWorkerMs && now - lastNoWorkerNotice >= 30_000) {
            lastNoWorkerNotice = now
            notice(`waiting for workers: none is connected to ${where} (queue ${address.prefix}:${address.queue}); ${pending.size} shard${pending.size === 1 ? '' : 's'} of round ${round} waiting. Start one with: npx usersim worker --redis <url>`)
          }
        } else if (noWorkerSince !== undefined) {
          waitedMs += now - noWorkerSince
          noWorkerSince = undefined
        }
      }

      while (pending.size) {
        if (!inbox.length) {
          await new Promise<void>((resolve) => {
            wake = resolve
            setTimeout(resolve, Math.max(10, reconcileMs - (Date.now() - lastReconcile)))
          })
          wake = undefined
        }
        for (const ev of inbox.splice(0)) {
          if (!ev.id.startsWith(prefix)) continue
          const shard = Number(ev.id.slice(prefix.length))
          if (!pending.has(shard)) continue
          if (ev.kind === 'completed') {
            // No result although completed: a duplicate after commit, or data lost; reconcile decides.
            await collect(shard)
          } else if ((await queue.getJobState(ev.id)) === 'failed') {
            await failure(shard)
          }
        }
        if (pending.size && Date.now() - lastReconcile >= reconcileMs) {
          lastReconcile = Date.now()
          await reconcile()
        }
      }
      if (noWorkerSince !== undefined) waitedMs += Date.now() - noWorkerSince
      await redis.unlink(k.snapshot(round))
      packedByShard = nextPacked
      return results
    },

    waitingMs: () => waitedMs,

    async close() {
      if (heartbeat) clearInterval(heartbeat)
      try {
        // Jobs still active when the run ends finish within moments (their input is gone); sweep again.
        for (let i = 0; runId && i < 20; i++) {
          const left = await withTimeout(deleteRunData(redis, queue, address.prefix, runId, added), 10_000)
          if (!left) break
          await new Promise((r) => setTimeout(r, 250))
        }
      } finally {
        await Promise.allSettled([events.close(), queue.close()])
        redis.disconnect()
        eventsConn.disconnect()
      }
    },
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout
  return Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)))]).finally(() => clearTimeout(t))
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`
