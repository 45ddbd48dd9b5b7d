import Database from 'better-sqlite3'
import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'
import { rngFor, type ChatMessage, type RecordingTaskRunner, type TaskCallMeta, type TaskDef } from '../src/core/index.ts'
import { createLlmRunner } from '../src/llm/llm-runner.ts'
import { limitsShare, openAiSettingsSchema } from '../src/llm/settings.ts'
import { callersFor, driveCalls, type ClientTally } from './llm-client-child.ts'
import { MESSAGE_OVERHEAD, REPLY_PRIMING, tokenCounter } from '../src/llm/tokens.ts'
import { threadYoungMb } from '../src/runner/in-process/thread-executor.ts'
import { buildRunConfig, defaultThreads, inlineExecutor, launchRun } from '../src/runner/index.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const BIN = join(ROOT, 'bin', 'usersim.js')
const CLIENT_BOOT = new URL('./llm-client-child-boot.mjs', import.meta.url)

/** Starts `usersim mock-llm` in its own process (so the server does not share our CPU). */
export async function mockServer(latency: number, capacity: number, extra: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'mock-llm', '--port', '0', '--latency', String(latency), '--capacity', String(capacity), '--model', 'm', '--tokens', 'estimate', '--json', ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    let buf = ''
    child.stdout!.on('data', (d) => {
      buf += d
      const nl = buf.indexOf('\n')
      if (nl >= 0) resolve((JSON.parse(buf.slice(0, nl)) as { url: string }).url)
    })
    child.once('exit', (code) => reject(new Error(`mock-llm exited with ${code}`)))
  })
  return { url, child }
}

interface Saturation {
  ms: number
  ok: number
  share: number[]
  clientCpuMsPerCall: number
  /** Client CPU ÷ wall time: cores the client kept busy. */
  cpuCores: number
}

/**
 * Runs `calls` task calls through the LLM runner against the given endpoints and
 * returns the wall time, the share each endpoint served and the client's CPU. With
 * `threads` 0 the client is this thread; otherwise `threads` worker threads, each with
 * its share of the limits (limitsShare), as a run's shard threads are.
 */
async function saturate(urls: string[], concurrency: number[], calls: number, threads: number): Promise<Saturation> {
  const settings = openAiSettingsSchema.parse({
    backend: 'openai', model: 'm', cache: false, logPrompts: 'none', timeoutMs: 30_000,
    // Hand-set limits, as these figures always were (the adaptive limit has its own table).
    adaptive: { enabled: false },
    endpoints: urls.map((url, i) => ({ url, concurrency: concurrency[i]! })),
  })
  const t: ClientTally = { byEndpoint: {}, ok: 0, calls: 0 }
  let ms: number
  let cpu: NodeJS.CpuUsage
  if (threads === 0) {
    const runner = createLlmRunner(settings)
    const callers = callersFor(settings)
    await driveCalls(runner, callers * 2, 10_000_000, callers) // warm-up: opens the connections
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    await driveCalls(runner, calls, 0, callers, t)
    ms = performance.now() - t0
    cpu = process.cpuUsage(cpu0)
    await runner.close()
  } else {
    const per = Math.floor(calls / threads)
    const workers = Array.from({ length: threads }, (_, i) => {
      const n = i === threads - 1 ? calls - per * (threads - 1) : per
      return new Worker(CLIENT_BOOT, { workerData: { role: 'llm-client', settings: limitsShare(settings, threads, i), calls: n, offset: i * per }, resourceLimits: { maxYoungGenerationSizeMb: threadYoungMb(settings) } })
    })
    const next = (w: Worker, type: string) =>
      new Promise<{ tally?: ClientTally }>((resolve, reject) => {
        const on = (m: { type: string; tally?: ClientTally }) => {
          if (m.type !== type) return
          w.off('message', on)
          resolve(m)
        }
        w.on('message', on)
        w.once('error', reject)
      })
    try {
      await Promise.all(workers.map((w) => next(w, 'ready')))
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      const done = workers.map((w) => next(w, 'done'))
      for (const w of workers) w.postMessage('go')
      const tallies = await Promise.all(done)
      ms = performance.now() - t0
      cpu = process.cpuUsage(cpu0)
      for (const d of tallies) {
        t.ok += d.tally!.ok
        t.calls += d.tally!.calls
        for (const [k, v] of Object.entries(d.tally!.byEndpoint)) t.byEndpoint[k] = (t.byEndpoint[k] ?? 0) + v
      }
    } finally {
      await Promise.all(workers.map((w) => w.terminate()))
    }
  }
  const cpuMs = (cpu.user + cpu.system) / 1000
  return { ms, ok: t.ok, share: urls.map((u) => (t.byEndpoint[u] ?? 0) / Math.max(1, t.calls)), clientCpuMsPerCall: cpuMs / calls, cpuCores: cpuMs / ms }
}

/** Repeats a measurement and keeps the run with the median time (the figure), with the spread. */
async function median(times: number, f: () => Promise<Saturation>): Promise<Saturation & { runsS: number[] }> {
  const runs: Saturation[] = []
  for (let i = 0; i < times; i++) runs.push(await f())
  const sorted = [...runs].sort((a, b) => a.ms - b.ms)
  return { ...sorted[Math.floor((sorted.length - 1) / 2)]!, runsS: runs.map((r) => Math.round(r.ms) / 1000) }
}

/**
 * A whole `feed` run on the model backend (the CLI, default settings: main thread,
 * prompts kept) against the same server: how busy the run keeps the server, counting
 * what task calls alone do not (agents' calls in sequence, shard and round ends,
 * commits). Utilization = calls × latency ÷ (capacity × the run's round time).
 */
async function runUtilization(url: string, latency: number, capacity: number, agents: number, rounds: number) {
  const db = join(tmpdir(), `usersim-bench-llm-run-${process.pid}.db`)
  try {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'run', 'feed', '--agents', String(agents), '--rounds', String(rounds), '--llm', 'openai', '--model', 'm', '--base-url', url, '--llm-concurrency', `fixed:${capacity}`, '--no-cache', '--db', db, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
      let buf = ''
      child.stdout!.on('data', (d) => (buf += d))
      child.once('exit', (code) => (code === 0 ? resolve(buf) : reject(new Error(`usersim run exited with ${code}`))))
    })
    const result = JSON.parse(out) as { runId: string; invocation: { durationMs: number }; agentSteps: number }
    const d = new Database(db, { readonly: true })
    const calls = d.prepare('SELECT count(*) FROM llm_calls').pluck().get() as number
    d.close()
    return { agents, rounds, agentSteps: result.agentSteps, calls, roundsS: Math.round(result.invocation.durationMs) / 1000, utilization: (calls * latency) / (capacity * result.invocation.durationMs) }
  } finally {
    for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true })
  }
}

/** Records every task's prompt and surrogate answer while running the feed scenario. */
function recordingRunner(): RecordingTaskRunner & { log: Array<{ agent: number; round: number; task: string; messages: ChatMessage[]; output: string }> } {
  const log: Array<{ agent: number; round: number; task: string; messages: ChatMessage[]; output: string }> = []
  return {
    log,
    async run<I, O>(task: TaskDef<I, O>, input: I, meta: TaskCallMeta): Promise<O> {
      const output = task.surrogate(input, rngFor(meta.runSeed, meta.agent, meta.round, task.name, meta.call))
      log.push({ agent: meta.agent, round: meta.round, task: task.name, messages: task.prompt(input), output: JSON.stringify(output) })
      return output
    },
    drain: () => [],
  }
}

/** Prompt and completion tokens per agent-step of `feed`, and the share of the prompt that is a stable prefix. */
async function feedTokens(agents: number, rounds: number) {
  const { config } = await buildRunConfig('feed', { agents, rounds })
  const tasks = recordingRunner()
  const db = join(tmpdir(), `usersim-bench-llm-tokens-${process.pid}.db`)
  try {
    await launchRun(config, {
      db,
      threads: 0,
      executor: async (c) => inlineExecutor(c, { tasks }),
    })
  } finally {
    for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true })
  }
  const count = await tokenCounter()
  const steps = new Map<string, { prompt: number; completion: number }>()
  const perTask = new Map<string, { calls: number; prompt: number; completion: number; agentPrefix: number; sharedPrefix: number }>()
  for (const c of tasks.log) {
    const msgTokens = c.messages.map((m) => MESSAGE_OVERHEAD + count.text(m.content))
    const prompt = msgTokens.reduce((a, b) => a + b, REPLY_PRIMING)
    const completion = count.text(c.output)
    // The leading system messages (instructions, then persona) repeat for this agent on
    // every step; the first (instructions) repeats for every agent.
    let agentPrefix = 0
    for (let i = 0; i < c.messages.length && c.messages[i]!.role === 'system'; i++) agentPrefix += msgTokens[i]!
    const sharedPrefix = msgTokens[0] ?? 0
    const key = `${c.agent}:${c.round}`
    const s = steps.get(key) ?? { prompt: 0, completion: 0 }
    s.prompt += prompt
    s.completion += completion
    steps.set(key, s)
    const t = perTask.get(c.task) ?? { calls: 0, prompt: 0, completion: 0, agentPrefix: 0, sharedPrefix: 0 }
    t.calls++
    t.prompt += prompt
    t.completion += completion
    t.agentPrefix += agentPrefix
    t.sharedPrefix += sharedPrefix
    perTask.set(c.task, t)
  }
  const stepList = [...steps.values()]
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
  const sorted = stepList.map((s) => s.prompt).sort((a, b) => a - b)
  let prompt = 0
  let agentPrefix = 0
  let sharedPrefix = 0
  for (const t of perTask.values()) {
    prompt += t.prompt
    agentPrefix += t.agentPrefix
    sharedPrefix += t.sharedPrefix
  }
  return {
    agentSteps: stepList.length,
    promptPerStep: Math.round(mean(stepList.map((s) => s.prompt))),
    promptPerStepP95: sorted[Math.floor(sorted.length * 0.95)] ?? 0,
    completionPerStep: Math.round(mean(stepList.map((s) => s.completion))),
    stablePrefixShare: Math.round((agentPrefix / prompt) * 1000) / 1000,
    sharedPrefixShare: Math.round((sharedPrefix / prompt) * 1000) / 1000,
    perTask: Object.fromEntries(
      [...perTask].map(([task, t]) => [task, { calls: t.calls, prompt: Math.round(t.prompt / t.calls), completion: Math.round(t.completion / t.calls), stablePrefix: Math.round(t.agentPrefix / t.calls) }]),
    ),
  }
}

/**
 * Issue 3's figures. Saturation: 20,000 task calls (decide-continue) through the LLM
 * runner and the real @langchain/openai client against `usersim mock-llm` in its own
 * process (100 ms latency, capacity 256): ideal time (calls × latency ÷ capacity) ÷
 * actual. The client runs as a run's does: in this thread (the default for model-backed
 * runs), and with --threads N on N worker threads, each with its share of the limits
 * (limitsShare). Then three
 * servers of capacity 64, 128 and 256 (per-endpoint limits set to match): the share
 * each served and the same ratio. Each saturation figure is the median of
 * BENCH_LLM_REPEAT runs (default 3). Tokens per agent-step of `feed` (js-tiktoken o200k).
 * BENCH_LLM_CALLS overrides the call count.
 */
export async function bench(): Promise<Record<string, unknown>> {
  // Issue 21's table and issue 13's round tail (bench/_llm-adaptive.ts); BENCH_LLM_ONLY=adaptive runs only those.
  const adaptive = await (await import('./_llm-adaptive.ts')).benchAdaptive()
  if (process.env.BENCH_LLM_ONLY === 'adaptive') return adaptive
  return { ...adaptive, ...(await saturationFigures()) }
}

async function saturationFigures(): Promise<Record<string, unknown>> {
  const calls = Number(process.env.BENCH_LLM_CALLS ?? 20_000)
  const repeat = Math.max(1, Number(process.env.BENCH_LLM_REPEAT ?? 3))
  const threads = defaultThreads()
  const latency = 100
  const load = loadavg()[0]!
  const servers: ChildProcess[] = []
  const r = (x: number) => Math.round(x * 1000) / 1000
  const figure = (s: Saturation & { runsS: number[] }, ideal: number, caps: number[], t: number) => ({
    clientThreads: t,
    idealS: r(ideal / 1000),
    actualS: r(s.ms / 1000),
    ratio: r(ideal / s.ms),
    runsS: s.runsS,
    okCalls: s.ok,
    share: s.share.map(r),
    capacityShare: caps.map((c) => r(c / caps.reduce((a, b) => a + b, 0))),
    clientCpuMsPerCall: r(s.clientCpuMsPerCall),
    clientCpuCores: r(s.cpuCores),
  })
  try {
    const one = await mockServer(latency, 256)
    servers.push(one.child)
    const idealSingle = (calls * latency) / 256
    const single = figure(await median(repeat, () => saturate([one.url], [256], calls, 0)), idealSingle, [256], 1)
    const singleThreads = figure(await median(repeat, () => saturate([one.url], [256], calls, threads)), idealSingle, [256], threads)
    const inRun = await runUtilization(one.url, latency, 256, 3000, 2)
    one.child.kill('SIGTERM')
    const caps = [64, 128, 256]
    const three = await Promise.all(caps.map((c) => mockServer(latency, c)))
    servers.push(...three.map((t) => t.child))
    const idealMulti = (calls * latency) / caps.reduce((a, b) => a + b, 0)
    const multi = figure(await median(repeat, () => saturate(three.map((t) => t.url), caps, calls, 0)), idealMulti, caps, 1)
    const multiThreads = figure(await median(repeat, () => saturate(three.map((t) => t.url), caps, calls, threads)), idealMulti, caps, threads)
    for (const t of three) t.child.kill('SIGTERM')
    // The same three-endpoint setup scaled down (capacities 4/8/16, 280 calls/s) so that the
    // client's CPU is not the limit: what routing and limits achieve on their own.
    const small = [4, 8, 16]
    const smallServers = await Promise.all(small.map((c) => mockServer(latency, c)))
    servers.push(...smallServers.map((t) => t.child))
    const smallCalls = Math.min(calls, 1400)
    const low = figure(await median(1, () => saturate(smallServers.map((t) => t.url), small, smallCalls, 0)), (smallCalls * latency) / small.reduce((a, b) => a + b, 0), small, 1)
    const tokens = await feedTokens(2000, 3)

    const out = {
      llmSaturation: { calls, latencyMs: latency, capacity: 256, ...single },
      llmSaturationClientThreads: { calls, latencyMs: latency, capacity: 256, ...singleThreads },
      llmRunUtilization: { ...inRun, utilization: r(inRun.utilization) },
      llmSaturationThreeEndpoints: { calls, capacities: caps, ...multi },
      llmSaturationThreeEndpointsClientThreads: { calls, capacities: caps, ...multiThreads },
      llmSaturationLowRate: { calls: smallCalls, capacities: small, ...low },
      llmTokensPerAgentStep: tokens,
      llmLoadAverageAtStart: r(load),
    }
    const line = (label: string, f: ReturnType<typeof figure>, withShares: boolean) =>
      console.log(
        `   ${label}: ${f.actualS} s (median of ${f.runsS.join(' / ')}), ideal ${f.idealS} s → ratio ${f.ratio}; client ${f.clientCpuMsPerCall} ms CPU per call on ${f.clientThreads} thread(s), ${f.clientCpuCores} cores busy` +
          (withShares ? `; shares ${f.share.join(' / ')} (capacity shares ${f.capacityShare.join(' / ')})` : ''),
      )
    line(`saturation, 1 endpoint (cap 256, ${latency} ms, ${calls} calls), main thread (a run's default)`, out.llmSaturation, false)
    line(`saturation, 1 endpoint, ${threads} client threads (--threads ${threads})`, out.llmSaturationClientThreads, false)
    const u = out.llmRunUtilization
    console.log(`   a feed run (${u.agents} agents × ${u.rounds} rounds, defaults): ${u.calls} calls in ${u.roundsS} s of rounds → server utilization ${u.utilization}`)
    line(`saturation, 3 endpoints (cap ${caps.join('/')}), main thread`, out.llmSaturationThreeEndpoints, true)
    line(`saturation, 3 endpoints, ${threads} client threads`, out.llmSaturationThreeEndpointsClientThreads, true)
    line(`saturation, 3 endpoints (cap ${small.join('/')}, ${smallCalls} calls, not CPU-bound)`, out.llmSaturationLowRate, true)
    console.log(`   feed tokens per agent-step: prompt ${tokens.promptPerStep} (p95 ${tokens.promptPerStepP95}), completion ${tokens.completionPerStep}; stable prefix ${Math.round(tokens.stablePrefixShare * 100)} % of the prompt (${Math.round(tokens.sharedPrefixShare * 100)} % shared by all agents)`)
    for (const [task, t] of Object.entries(tokens.perTask)) console.log(`     ${task}: ${t.calls} calls, ${t.prompt} prompt / ${t.completion} completion tokens per call, stable prefix ${t.stablePrefix}`)
    console.log(`   (load average at start ${out.llmLoadAverageAtStart} on this machine)`)
    return out
  } finally {
    for (const c of servers) c.kill('SIGTERM')
  }
}
