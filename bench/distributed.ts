import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Queue } from 'bullmq'
import { buildRunConfig, launchRun, type RunResult } from '../src/runner/index.ts'
import { bullmqExecutor, redactRedisUrl, redisConnection } from '../src/runner/bullmq/index.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))

/**
 * Issue 4's figures: 100,000 agents × 3 rounds of the feed scenario on the surrogate,
 * in-process (threads on all cores) and distributed (local Redis, 2 `usersim worker`
 * processes), in the same run; the ratio of throughputs (target ≥ 0.7, aim 0.9) and
 * Redis's used memory at its peak during the distributed run (sampled every 100 ms).
 * BENCH_AGENTS / BENCH_ROUNDS / REDIS_URL override the defaults.
 */
export async function bench(): Promise<Record<string, unknown>> {
  const agents = Number(process.env.BENCH_AGENTS ?? 100_000)
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
  const redis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  const address = { prefix: `usersim-bench-${randomUUID().slice(0, 8)}`, queue: 'shards' }
  const { config } = await buildRunConfig('feed', { agents, rounds })
  const loadBefore = loadavg()[0]!

  const dbs: string[] = []
  const db = (name: string) => {
    const f = join(tmpdir(), `usersim-bench-dist-${process.pid}-${name}.db`)
    dbs.push(f)
    return f
  }
  const conn = redisConnection(redis)
  const workers: ReturnType<typeof startWorker>[] = []
  try {
    const local = await launchRun(config, { db: db('local') })
    // Workers start after the in-process run: they hash the code they load, and in a tree
    // being edited a minute-old hash may already be stale. Their start is not timed (as the
    // threads' start is not), but building the run's world on the first job is.
    workers.push(startWorker(redis, address), startWorker(redis, address))
    await Promise.all(workers.map((w) => w.ready))
    const baseline = usedMemory(await conn.info('memory'))
    let peak = baseline
    const sampler = setInterval(() => {
      void conn.info('memory').then((info) => (peak = Math.max(peak, usedMemory(info))), () => {})
    }, 100)
    let dist: RunResult
    try {
      dist = await launchRun(config, { db: db('dist'), shards: undefined, executor: (c) => bullmqExecutor({ redis, config: c, address }) })
    } finally {
      clearInterval(sampler)
    }
    const rate = (r: RunResult) => r.invocation.agentSteps / (r.invocation.durationMs / 1000)
    const ratio = rate(dist) / rate(local)
    const loadAfter = loadavg()[0]!
    const fig = {
      agents,
      rounds,
      redis: redactRedisUrl(redis),
      inProcessStepsPerSecond: Math.round(rate(local)),
      distributedStepsPerSecond: Math.round(rate(dist)),
      ratio: Math.round(ratio * 1000) / 1000,
      redisPeakUsedMB: Math.round(peak / 1e5) / 10,
      redisPeakAboveBaselineMB: Math.round((peak - baseline) / 1e5) / 10,
      loadAverage1m: { before: Math.round(loadBefore * 100) / 100, after: Math.round(loadAfter * 100) / 100 },
      sameEvents: JSON.stringify(dist.rounds) === JSON.stringify(local.rounds),
      ...payloadSizes(workers.map((w) => w.log()).join('\n')),
    }
    console.log(
      `distributed  ${agents.toLocaleString('en-US')} agents × ${rounds} rounds: in-process ${fig.inProcessStepsPerSecond.toLocaleString('en-US')}/s, ` +
        `2 workers ${fig.distributedStepsPerSecond.toLocaleString('en-US')}/s, ratio ${fig.ratio.toFixed(2)} [target ≥ 0.7, aim 0.9]; ` +
        `Redis peak ${fig.redisPeakUsedMB} MB (+${fig.redisPeakAboveBaselineMB} MB over idle); load ${fig.loadAverage1m.before} → ${fig.loadAverage1m.after}; ` +
        `same metrics: ${fig.sameEvents}; per shard of ${Math.round(agents / 40)} agents: in ${fig.meanInputKB} KB, out ${fig.meanResultKB} KB`,
    )
    return { distributed: fig }
  } finally {
    for (const w of workers) w.proc.kill('SIGTERM')
    await Promise.all(workers.map((w) => w.exited))
    const q = new Queue(address.queue, { connection: conn, prefix: address.prefix })
    await q.obliterate({ force: true }).catch(() => {})
    await q.close()
    conn.disconnect()
    for (const f of dbs) for (const x of [f, `${f}-wal`, `${f}-shm`]) rmSync(x, { force: true })
  }
}

/** Mean input and result sizes from the workers' `done … (in X bytes, out Y bytes)` lines (rounds after the first). */
function payloadSizes(log: string): { meanInputKB: number; meanResultKB: number } {
  const ins: number[] = []
  const outs: number[] = []
  for (const m of log.matchAll(/of round (\d+) .*\(in (\d+) bytes, out (\d+) bytes\)/g)) {
    if (m[1] !== '0') ins.push(Number(m[2]))
    outs.push(Number(m[3]))
  }
  const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length) / 102.4) / 10
  return { meanInputKB: mean(ins), meanResultKB: mean(outs) }
}

function usedMemory(info: string): number {
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0)
}

/** A `usersim worker` process on `redis`, ready once it waits for shard jobs (bench/social.ts uses it too). */
export function startWorker(redis: string, address: { prefix: string; queue: string }): { proc: ChildProcess; ready: Promise<void>; exited: Promise<unknown>; log: () => string } {
  const proc = spawn(process.execPath, ['bin/usersim.js', 'worker', '--redis', redis, '--prefix', address.prefix, '--queue', address.queue], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  const ready = new Promise<void>((resolve, reject) => {
    proc.stderr!.on('data', (d: Buffer) => {
      log += d.toString()
      if (log.includes('waiting for shard jobs')) resolve()
    })
    proc.once('exit', (code) => reject(new Error(`worker exited (${code}): ${log}`)))
  })
  ready.catch(() => {})
  return { proc, ready, exited: new Promise((r) => proc.once('exit', r)), log: () => log }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bench()
