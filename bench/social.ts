import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Queue } from 'bullmq'
import { routeMessages, type Message } from '../src/core/index.ts'
import { buildRunConfig, launchRun, shardRanges } from '../src/runner/index.ts'
import { bullmqExecutor, redisConnection } from '../src/runner/bullmq/index.ts'
import { iterateMessages } from '../src/social/messages-repo.ts'
import { RunStore } from '../src/store/index.ts'
import { startWorker } from './distributed.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))

interface SocialFigure {
  agents: number
  rounds: number
  social: boolean
  seconds: number
  agentStepsPerSecond: number
  peakRssMB: number
  messages: number
  deliveries: number
  messageMB: number
  checkpointMB: number | null
  friendClickShare: number
}

function runChild(agents: number, rounds: number, social: boolean, db: string): SocialFigure {
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true })
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/social-child.ts', String(agents), String(rounds), 'popularity', db, String(social)], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  })
  return JSON.parse(out.trim().split('\n').at(-1)!) as SocialFigure
}

/** Routes one stored round's messages to the run's shards, repeatedly: messages routed per second. */
function routingRate(db: string, agents: number): { messagesPerSecond: number; deliveriesPerSecond: number; messages: number } {
  const store = new RunStore(db)
  const runId = store.listRuns()[0]!.id
  const all: Message[] = [...iterateMessages(store.db, store.runKey(runId), 1)]
  store.close()
  const ranges = shardRanges(agents, Math.ceil(agents / 2500))
  const deliveries = all.reduce((s, m) => s + m.to.length, 0)
  let reps = 0
  const t0 = performance.now()
  while (performance.now() - t0 < 2000 || reps < 3) {
    routeMessages(all, ranges)
    reps++
  }
  const s = (performance.now() - t0) / 1000
  return { messagesPerSecond: Math.round((all.length * reps) / s), deliveriesPerSecond: Math.round((deliveries * reps) / s), messages: all.length }
}

/**
 * Issue 22's figures: social-feed, popularity, 100,000 agents × 5 rounds at mean degree 20
 * (homophilous graph), with sharing and without the social layer (`social=false`), each
 * in its own process on all cores; the throughput ratio (target ≥ 0.6); messages routed
 * per second (the orchestrator's routing of a real round, alone); and Redis's peak used
 * memory with 2 `usersim worker` processes (BENCH_SOCIAL_REDIS_AGENTS agents × 3 rounds).
 * BENCH_AGENTS / BENCH_ROUNDS / REDIS_URL override the defaults.
 */
export async function bench(): Promise<Record<string, unknown>> {
  const agents = Number(process.env.BENCH_AGENTS ?? 100_000)
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
  const loadBefore = loadavg()[0]!
  const dbOn = join(tmpdir(), `usersim-bench-social-${process.pid}-on.db`)
  const dbOff = join(tmpdir(), `usersim-bench-social-${process.pid}-off.db`)
  try {
    const off = runChild(agents, rounds, false, dbOff)
    const on = runChild(agents, rounds, true, dbOn)
    const ratio = Math.round((on.agentStepsPerSecond / off.agentStepsPerSecond) * 1000) / 1000
    const routing = routingRate(dbOn, agents)
    console.log(
      `social  ${agents.toLocaleString('en-US')} agents × ${rounds} rounds, degree 20: with sharing ${on.agentStepsPerSecond.toLocaleString('en-US')}/s (${on.seconds} s, peak RSS ${on.peakRssMB} MB), ` +
        `without ${off.agentStepsPerSecond.toLocaleString('en-US')}/s (${off.seconds} s, ${off.peakRssMB} MB): ratio ${ratio.toFixed(2)} [target ≥ 0.6]`,
    )
    console.log(
      `social  ${on.messages.toLocaleString('en-US')} messages, ${on.deliveries.toLocaleString('en-US')} deliveries stored (${on.messageMB} MB in the database; largest checkpoint ${on.checkpointMB} MB vs ${off.checkpointMB} MB without); ` +
        `friends' share of clicks ${on.friendClickShare.toFixed(3)}`,
    )
    console.log(
      `social  routing one round (${routing.messages.toLocaleString('en-US')} messages) to ${Math.ceil(agents / 2500)} shards: ${routing.messagesPerSecond.toLocaleString('en-US')} messages/s, ${routing.deliveriesPerSecond.toLocaleString('en-US')} deliveries/s`,
    )
    const redis = await redisPeak(Number(process.env.BENCH_SOCIAL_REDIS_AGENTS ?? 20_000))
    console.log(
      `social  2 workers, ${redis.agents.toLocaleString('en-US')} agents × 3 rounds: Redis peak ${redis.peakUsedMB} MB (+${redis.aboveBaselineMB} MB over idle), ${redis.stepsPerSecond.toLocaleString('en-US')}/s; ` +
        `load ${Math.round(loadBefore * 100) / 100} → ${Math.round(loadavg()[0]! * 100) / 100} (2 cores shared: timings are noisy)`,
    )
    return { social: { on, off, ratio, routing, redis } }
  } finally {
    for (const db of [dbOn, dbOff]) for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true })
  }
}

async function redisPeak(agents: number): Promise<{ agents: number; peakUsedMB: number; aboveBaselineMB: number; stepsPerSecond: number }> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  const address = { prefix: `usersim-bench-social-${randomUUID().slice(0, 8)}`, queue: 'shards' }
  const { config } = await buildRunConfig('social-feed', { agents, rounds: 3, params: { degree: 20 } })
  const db = join(tmpdir(), `usersim-bench-social-${process.pid}-redis.db`)
  const conn = redisConnection(url)
  const workers = [startWorker(url, address), startWorker(url, address)]
  try {
    await Promise.all(workers.map((w) => w.ready))
    const used = async () => Number(/used_memory:(\d+)/.exec(await conn.info('memory'))?.[1] ?? 0)
    const baseline = await used()
    let peak = baseline
    const sampler = setInterval(() => void used().then((u) => (peak = Math.max(peak, u)), () => {}), 100)
    let rate = 0
    try {
      const r = await launchRun(config, { db, executor: (c) => bullmqExecutor({ redis: url, config: c, address }) })
      rate = Math.round(r.invocation.agentSteps / (r.invocation.durationMs / 1000))
    } finally {
      clearInterval(sampler)
    }
    return { agents, peakUsedMB: Math.round(peak / 1e5) / 10, aboveBaselineMB: Math.round((peak - baseline) / 1e5) / 10, stepsPerSecond: rate }
  } finally {
    for (const w of workers) w.proc.kill('SIGTERM')
    await Promise.all(workers.map((w) => w.exited))
    const q = new Queue(address.queue, { connection: conn, prefix: address.prefix })
    await q.obliterate({ force: true }).catch(() => {})
    await q.close()
    conn.disconnect()
    for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bench()
