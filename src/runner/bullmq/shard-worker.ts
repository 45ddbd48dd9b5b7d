import { hostname } from 'node:os'
import { deserialize } from 'node:v8'
import { UnrecoverableError, Worker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import { z } from 'zod'
import { errorInfo, SimError, type ShardInput } from '../../core/index.ts'
import type { RunConfig } from '../../config/index.ts'
import { scenarioPath } from '../scenario-loader.ts'
import { createShardEnv, type ShardEnv } from '../shard-env.ts'
import { createShardHost, type ShardHost } from '../shard-host.ts'
import type { ShardExtension } from '../shard-extension.ts'
import { codeVersionHash, scenarioFileHash } from './code-hash.ts'
import { checkRedisUrl, redactRedisUrl, redisConnection, waitReachable } from './connection.ts'
import { RESULT_TTL_MS } from './executor.ts'
import { checkAddress, DEFAULT_ADDRESS, jobId, runKeys, warmupChannel, type QueueAddress } from './keys.ts'
import { unlinkMatching } from './run-cleanup.ts'
import { yieldingRunner } from './yielding-runner.ts'
import { limiterScope, redisLimiter } from './redis-limiter.ts'
import { encodeResult, MAX_PAYLOAD_BYTES, shardJobSchema, unpackMail, unpackStates, warmupSchema, type ShardJob, type ShardReceipt } from './wire.ts'

export interface ShardWorkerOptions {
  redis: string
  /** Shard jobs this process runs at once (default 1; more helps only with a model backend). */
  concurrency?: number
  address?: Partial<QueueAddress>
  /** A job whose lock is not renewed for this long is taken to be dead (default 30 s). */
  lockDurationMs?: number
  /** How often this worker looks for dead workers' jobs (default 15 s). */
  stalledIntervalMs?: number
  /** Times a job may be recovered from a dead worker before it fails (default 2). */
  maxStalledCount?: number
  maxPayloadBytes?: number
  /** Shown in Bull Board and in failure messages (default host:pid). */
  name?: string
  log?: (line: string) => void
  /** Wrap each shard's task runner, as in-process shards are (the CLI passes the default extensions). */
  shardExtensions?: readonly ShardExtension[]
}

export interface ShardWorkerHandle {
  readonly name: string
  readonly worker: Worker
  /** Stops taking jobs; without `force`, waits for the jobs in hand to finish. */
  close(force?: boolean): Promise<void>
}

// Stores a shard's result only while its input key is there, i.e. while the shard is open:
// a late duplicate (after the commit) or a job of an ended run writes nothing.
const STORE_RESULT_LUA = `
--- KEYS[1] the shard's input key, KEYS[2] its result key
--- ARGV[1] the encoded result, ARGV[2] TTL in ms
--- Returns 1 stored, 0 the shard was already committed or the run has ended.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1
`

interface RunCache {
  host: Promise<ShardHost>
  snapshot?: { round: number; value: Promise<unknown> }
}

/**
 * A `usersim worker`: takes shard jobs of any run from the queue, rebuilds the run's
 * world from the job's config (once per run), runs `runShard` and stores the result.
 * Refuses (without computing) a job whose code or scenario hash differs from its own.
 *
 * @example
 * const w = await startShardWorker({ redis: 'redis://127.0.0.1:6379', log: console.error })
 * process.on('SIGTERM', () => void w.close())
 */
export async function startShardWorker(opts: ShardWorkerOptions): Promise<ShardWorkerHandle> {
  const url = checkRedisUrl(opts.redis)
  const where = redactRedisUrl(url)
  const address = checkAddress({ ...DEFAULT_ADDRESS, ...opts.address })
  const name = opts.name ?? `${hostname()}:${process.pid}`
  const log = opts.log ?? (() => {})
  const maxBytes = opts.maxPayloadBytes ?? MAX_PAYLOAD_BYTES
  const myCode = codeVersionHash()
  const scenarioHashes = new Map<string, string>()
  const runs = new Map<string, RunCache>()

  const redis = redisConnection(url) as Redis & { storeResult(inKey: string, outKey: string, value: Buffer, ttl: number): Promise<number> }
  redis.defineCommand('storeResult', { numberOfKeys: 2, lua: STORE_RESULT_LUA })
  await waitReachable(redis, where)

  // Worlds by config (a warm-up and the run's jobs share one), the two most recent kept.
  const envs = new Map<string, Promise<ShardEnv>>()
  const envFor = (config: RunConfig): Promise<ShardEnv> => {
    const key = JSON.stringify(config)
    let env = envs.get(key)
    if (!env) {
      if (envs.size >= 2) envs.delete(envs.keys().next().value!)
      env = createShardEnv(config)
      env.catch(() => envs.delete(key))
      envs.set(key, env)
    }
    return env
  }
  // One shard host per run: the world, and the task runner wrapped exactly as in-process
  // (so results match). Model calls of every worker draw on one budget kept in Redis
  // (see redis-limiter.ts).
  const runFor = (j: ShardJob, config: RunConfig): RunCache => {
    let run = runs.get(j.runId)
    if (!run) {
      if (runs.size >= 2) runs.delete(runs.keys().next().value!)
      const llm = j.llm
      const limiter =
        llm?.backend === 'openai'
          ? redisLimiter({ redis, prefix: address.prefix, scope: limiterScope(llm.endpoints, { rpm: llm.rpm, tpm: llm.tpm }), rates: { rpm: llm.rpm, tpm: llm.tpm } })
          : undefined
      const host = createShardHost({ config, llm, concurrency: j.concurrency, extensions: opts.shardExtensions, limiter, env: envFor(config), adapt: yieldingRunner })
      run = { host }
      host.catch(() => runs.delete(j.runId))
      runs.set(j.runId, run)
    }
    return run
  }

  // A run about to start says so: build its world now, while the orchestrator prepares.
  const sub = redisConnection(url)
  await sub.subscribe(warmupChannel(address))
  sub.on('message', (_channel: string, message: string) => {
    let w: z.infer<typeof warmupSchema>
    try {
      w = warmupSchema.parse(JSON.parse(message))
      if (!scenarioHashes.has(w.config.scenario)) scenarioHashes.set(w.config.scenario, scenarioFileHash(w.config.scenario))
    } catch {
      return // not ours to judge: the jobs themselves are checked
    }
    if (w.codeHash !== myCode || scenarioHashes.get(w.config.scenario) !== w.scenarioHash) return
    envFor(w.config).catch(() => {})
  })

  const processor = async (job: Job): Promise<ShardReceipt | { skipped: string }> => {
    const parsed = shardJobSchema.safeParse(job.data)
    if (!parsed.success) throw new UnrecoverableError(`DATA_INVALID: malformed shard job ${job.id}:\n${z.prettifyError(parsed.error)}`)
    const j = parsed.data
    const what = `shard ${j.shard} of round ${j.round} (agents ${j.start}–${j.end - 1}) of run ${j.runId}`
    if (job.id !== jobId(j.runId, j.round, j.shard)) throw new UnrecoverableError(`DATA_INVALID: job id ${job.id} does not match its payload (${what})`)
    const k = runKeys(address.prefix, j.runId)
    const [alive, input] = await Promise.all([redis.exists(k.alive), redis.getBuffer(k.input(j.round, j.shard))])
    if (!alive) {
      // The orchestrator is gone (its heartbeat expired): drop the run's data.
      await unlinkMatching(redis, k.pattern)
      log(`dropped ${what}: its orchestrator is gone`)
      return { skipped: 'orphaned' }
    }
    // Checked first, so a stale worker does not fail jobs of a run that has already ended.
    if (input === null) return { skipped: 'already committed or run ended' }
    if (j.codeHash !== myCode) {
      throw new UnrecoverableError(
        `WORKER_MISMATCH: worker ${name} runs usersim code ${myCode} but run ${j.runId} was started with code ${j.codeHash}; ` +
          'install the same usersim version and files on every machine and restart the worker',
      )
    }
    checkScenario(j, name, scenarioHashes)
    if (input.length > maxBytes) throw new UnrecoverableError(`DATA_INVALID: ${what}: input of ${input.length} bytes is over the ${maxBytes}-byte limit`)

    const started = performance.now()
    log(`start ${what}`)
    let receipt: ShardReceipt
    try {
      const run = runFor(j, j.config)
      const [host, snapshot] = await Promise.all([run.host, snapshotFor(redis, run, k.snapshot(j.round), j, what)])
      const states = j.hasStates ? unpackStates(input, what) : null
      const shardInput: ShardInput = { runId: j.runId, round: j.round, shard: j.shard, start: j.start, end: j.end, states }
      if (j.hasInbox) {
        const mail = await redis.getBuffer(k.mail(j.round, j.shard))
        if (mail === null) return { skipped: 'already committed or run ended' }
        shardInput.inbox = unpackMail(mail, what)
      }
      // Jobs of one run in flight side by side (--concurrency) share the host's backend; each shard has its own call records.
      const result = await host.run(snapshot, shardInput)
      const bytes = encodeResult(result)
      if (bytes.length > maxBytes) {
        throw new SimError('DATA_INVALID', `the result is ${(bytes.length / 1048576).toFixed(1)} MB, over the ${(maxBytes / 1048576).toFixed(0)} MB limit per shard: use more shards (--shards)`)
      }
      const stored = await redis.storeResult(k.input(j.round, j.shard), k.result(j.round, j.shard), bytes, RESULT_TTL_MS)
      if (!stored) return { skipped: 'already committed or run ended' }
      receipt = { bytes: bytes.length, worker: name }
    } catch (err) {
      const code = (err as { code?: string }).code
      const message = `${what}: ${code && code !== 'INTERNAL' ? `${code}: ` : ''}${(err as Error).message ?? String(err)}`
      if (err instanceof UnrecoverableError) throw err
      // Errors another attempt cannot fix fail the job at once (see ERROR_CODES).
      if (code && !errorInfo(err).retry) throw new UnrecoverableError(message)
      throw new Error(message, { cause: err })
    }
    log(`done ${what} in ${Math.round(performance.now() - started)} ms (in ${input.length} bytes, out ${receipt.bytes} bytes)`)
    return receipt
  }

  const worker = new Worker(address.queue, processor, {
    connection: redis,
    prefix: address.prefix,
    name,
    concurrency: opts.concurrency ?? 1,
    lockDuration: opts.lockDurationMs ?? 30_000,
    stalledInterval: opts.stalledIntervalMs ?? 15_000,
    maxStalledCount: opts.maxStalledCount ?? 2,
    // Jobs carry their own removal options; these cover jobs added by other tools.
    removeOnComplete: { count: 0 },
  })
  worker.on('error', (err) => log(`redis: ${err.message}`))
  worker.on('failed', (job, err) => job && log(`failed ${job.id} (attempt ${job.attemptsMade}): ${err.message.split('\n')[0]}`))
  await worker.waitUntilReady()
  log(`worker ${name} waiting for shard jobs on ${where} (queue ${address.prefix}:${address.queue}, code ${myCode})`)

  return {
    name,
    worker,
    async close(force = false) {
      sub.disconnect()
      await worker.close(force)
      redis.disconnect()
    },
  }
}

/** The scenario file must be the orchestrator's, byte for byte; hashed when first loaded. */
function checkScenario(j: ShardJob, name: string, hashes: Map<string, string>): void {
  const ref = j.config.scenario
  let mine = hashes.get(ref)
  if (!mine) {
    try {
      mine = scenarioFileHash(ref)
    } catch {
      throw new UnrecoverableError(`SCENARIO_NOT_FOUND: worker ${name} has no scenario file ${scenarioPath(ref)} (run ${j.runId}); scenario files must be at the same path on every machine`)
    }
    hashes.set(ref, mine)
  }
  if (mine !== j.scenarioHash) {
    throw new UnrecoverableError(
      `WORKER_MISMATCH: worker ${name} has a different scenario ${scenarioPath(ref)} (hash ${mine}) than run ${j.runId} (hash ${j.scenarioHash}); ` +
        'copy the orchestrator\'s file and restart the worker',
    )
  }
}

/** The round's policy snapshot, read from Redis once per run and round. */
function snapshotFor(redis: Redis, run: RunCache, key: string, j: ShardJob, what: string): Promise<unknown> {
  if (run.snapshot?.round !== j.round) {
    const value = redis.getBuffer(key).then((buf) => {
      if (!buf) throw new Error(`the policy snapshot ${key} is missing (the orchestrator puts it back within a second)`)
      try {
        return deserialize(buf)
      } catch (err) {
        throw new SimError('DATA_INVALID', `${what}: the policy snapshot cannot be read here (orchestrator Node ${j.node}, this worker Node ${process.versions.node})`, { cause: err })
      }
    })
    value.catch(() => (run.snapshot = undefined))
    run.snapshot = { round: j.round, value }
  }
  return run.snapshot.value
}
