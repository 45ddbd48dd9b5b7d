import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decideContinue } from '../agents/users/ailo/tasks/decide-continue.ts'
import { rngFor, type ChatMessage, type RecordingTaskRunner, type ShardResult, type TaskCallMeta, type TaskDef } from '../src/core/index.ts'
import { createLlmRunner } from '../src/llm/llm-runner.ts'
import { openAiSettingsSchema } from '../src/llm/settings.ts'
import { MESSAGE_OVERHEAD, REPLY_PRIMING, tokenCounter } from '../src/llm/tokens.ts'
import { buildRunConfig, launchRun, runShard, createShardEnv } from '../src/runner/index.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const BIN = join(ROOT, 'bin', 'usersim.js')

/** Starts `usersim mock-llm` in its own process (so the server does not share our CPU). */
async function mockServer(latency: number, capacity: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'mock-llm', '--port', '0', '--latency', String(latency), '--capacity', String(capacity), '--model', 'm', '--tokens', 'estimate', '--json'], {
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

const PERSONA = {
  name: 'Ada',
  activityType: 'exploration' as const,
  likes: ['space opera', 'heist', 'found family'],
  dislikes: ['gore'],
  favouriteCategories: ['science fiction', 'thriller'],
  informationDensity: 'medium' as const,
  expressionStyle: 'direct' as const,
  tone: 'friendly' as const,
}

const inputFor = (k: number) => ({
  persona: PERSONA,
  satisfaction: (k % 97) / 97,
  fatigue: (k % 13) / 10,
  visits: k % 9,
  clicked: k % 3,
  hidden: { pressure: 0.3, patience: 0.5 },
})

/** Runs `calls` task calls through the LLM runner against the given endpoints; returns the wall time and the share per endpoint. */
async function saturate(urls: string[], concurrency: number[], calls: number) {
  const runner = createLlmRunner(
    openAiSettingsSchema.parse({
      backend: 'openai', model: 'm', cache: false, logPrompts: 'none', timeoutMs: 30_000,
      endpoints: urls.map((url, i) => ({ url, concurrency: concurrency[i]! })),
    }),
  )
  const total = concurrency.reduce((a, b) => a + b, 0)
  const drive = async (n: number, offset: number) => {
    let next = 0
    await Promise.all(
      Array.from({ length: total * 2 }, async () => {
        while (next < n) {
          const k = offset + next++
          await runner.run(decideContinue, inputFor(k), { runSeed: 1, agent: k, round: 0, call: 0 })
        }
      }),
    )
  }
  await drive(total * 2, 10_000_000) // warm-up: opens the connections
  runner.drain()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await drive(calls, 0)
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const recs = runner.drain()
  const byEndpoint = new Map<string, number>()
  let ok = 0
  for (const r of recs) {
    byEndpoint.set(r.endpoint ?? '?', (byEndpoint.get(r.endpoint ?? '?') ?? 0) + 1)
    if (r.outcome === 'ok') ok++
  }
  await runner.close()
  const cpuMs = (cpu.user + cpu.system) / 1000
  return { ms, ok, share: urls.map((u) => (byEndpoint.get(u) ?? 0) / recs.length), clientCpuMsPerCall: cpuMs / calls, cpuShare: cpuMs / ms }
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
      executor: async (c) => {
        const env = await createShardEnv(c)
        return {
          name: 'recording',
          async runRound(_round, snapshot, shards, onShardDone) {
            const out: ShardResult[] = []
            for (const s of shards) {
              const r = await runShard(env, snapshot, s, tasks)
              onShardDone?.(r)
              out.push(r)
            }
            return out
          },
          async close() {},
        }
      },
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
 * runner and the real ChatOpenAI client against `usersim mock-llm` in its own process
 * (100 ms latency, capacity 256), ideal time (calls × latency ÷ capacity) ÷ actual; then
 * three servers of capacity 64, 128 and 256 (per-endpoint limits set to match), the share
 * each served and the same ratio. Tokens per agent-step of `feed` (js-tiktoken o200k).
 * BENCH_LLM_CALLS overrides the call count.
 */
export async function bench(): Promise<Record<string, unknown>> {
  const calls = Number(process.env.BENCH_LLM_CALLS ?? 20_000)
  const latency = 100
  const load = loadavg()[0]!
  const servers: ChildProcess[] = []
  try {
    const one = await mockServer(latency, 256)
    servers.push(one.child)
    const single = await saturate([one.url], [256], calls)
    const idealSingle = (calls * latency) / 256
    const caps = [64, 128, 256]
    const three = await Promise.all(caps.map((c) => mockServer(latency, c)))
    servers.push(...three.map((t) => t.child))
    const multi = await saturate(three.map((t) => t.url), caps, calls)
    const idealMulti = (calls * latency) / caps.reduce((a, b) => a + b, 0)
    // The same three-endpoint setup scaled down (capacities 4/8/16, 280 calls/s) so that the
    // client's CPU is not the limit: what routing and limits achieve on their own.
    const small = [4, 8, 16]
    const smallServers = await Promise.all(small.map((c) => mockServer(latency, c)))
    servers.push(...smallServers.map((t) => t.child))
    const smallCalls = Math.min(calls, 1400)
    const low = await saturate(smallServers.map((t) => t.url), small, smallCalls)
    const idealLow = (smallCalls * latency) / small.reduce((a, b) => a + b, 0)
    const tokens = await feedTokens(2000, 3)

    const r = (x: number) => Math.round(x * 1000) / 1000
    const out = {
      llmSaturation: {
        calls,
        latencyMs: latency,
        capacity: 256,
        idealS: r(idealSingle / 1000),
        actualS: r(single.ms / 1000),
        ratio: r(idealSingle / single.ms),
        okCalls: single.ok,
        clientCpuMsPerCall: r(single.clientCpuMsPerCall),
        // The client's CPU per call caps the rate one core can drive: the best ratio this client could reach with a whole core.
        cpuBoundRatio: r(Math.min(1, 1000 / single.clientCpuMsPerCall / ((256 * 1000) / latency))),
        clientCoreShare: r(single.cpuShare),
      },
      llmSaturationThreeEndpoints: {
        capacities: caps,
        idealS: r(idealMulti / 1000),
        actualS: r(multi.ms / 1000),
        ratio: r(idealMulti / multi.ms),
        share: multi.share.map(r),
        capacityShare: caps.map((c) => r(c / caps.reduce((a, b) => a + b, 0))),
        okCalls: multi.ok,
        clientCpuMsPerCall: r(multi.clientCpuMsPerCall),
        clientCoreShare: r(multi.cpuShare),
      },
      llmSaturationLowRate: {
        capacities: small,
        calls: smallCalls,
        idealS: r(idealLow / 1000),
        actualS: r(low.ms / 1000),
        ratio: r(idealLow / low.ms),
        share: low.share.map(r),
        capacityShare: small.map((c) => r(c / small.reduce((a, b) => a + b, 0))),
      },
      llmTokensPerAgentStep: tokens,
      llmLoadAverageAtStart: r(load),
    }
    const s = out.llmSaturation
    const m = out.llmSaturationThreeEndpoints
    console.log(`   saturation, 1 endpoint (cap 256, ${latency} ms): ${calls} calls in ${s.actualS} s, ideal ${s.idealS} s → ratio ${s.ratio} (${s.clientCpuMsPerCall} ms client CPU per call; the client got ${Math.round(s.clientCoreShare * 100)} % of a core; with a whole core it could reach ${s.cpuBoundRatio})`)
    console.log(`   saturation, 3 endpoints (cap ${caps.join('/')}): ${m.actualS} s, ideal ${m.idealS} s → ratio ${m.ratio}; shares ${m.share.join(' / ')} (capacity shares ${m.capacityShare.join(' / ')})`)
    const lo = out.llmSaturationLowRate
    console.log(`   saturation, 3 endpoints (cap ${small.join('/')}, not CPU-bound): ${lo.actualS} s, ideal ${lo.idealS} s → ratio ${lo.ratio}; shares ${lo.share.join(' / ')} (capacity shares ${lo.capacityShare.join(' / ')})`)
    console.log(`   feed tokens per agent-step: prompt ${tokens.promptPerStep} (p95 ${tokens.promptPerStepP95}), completion ${tokens.completionPerStep}; stable prefix ${Math.round(tokens.stablePrefixShare * 100)} % of the prompt (${Math.round(tokens.sharedPrefixShare * 100)} % shared by all agents)`)
    for (const [task, t] of Object.entries(tokens.perTask)) console.log(`     ${task}: ${t.calls} calls, ${t.prompt} prompt / ${t.completion} completion tokens per call, stable prefix ${t.stablePrefix}`)
    console.log(`   (load average at start ${out.llmLoadAverageAtStart} on this machine)`)
    return out
  } finally {
    for (const c of servers) c.kill('SIGTERM')
  }
}
