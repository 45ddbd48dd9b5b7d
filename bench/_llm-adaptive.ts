import Database from 'better-sqlite3'
import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLlmRunner } from '../src/llm/llm-runner.ts'
import { openAiSettingsSchema, type OpenAiSettingsInput } from '../src/llm/settings.ts'
import type { TestServerStats } from '../src/llm/testing/openai-test-server.ts'
import { driveCalls } from './llm-client-child.ts'
import { mockServer } from './llm.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const BIN = join(ROOT, 'bin', 'usersim.js')
const LATENCY = 100

async function serverStats(url: string): Promise<TestServerStats> {
  const res = await fetch(url.replace(/\/v1$/, '/_stats'))
  return (await res.json()) as TestServerStats
}

/**
 * `calls` decide-continue calls through the runner (1.5 × the ceiling in flight, as a
 * run keeps) against a mock server of `capacity`; utilization = busy server time ÷
 * (capacity × wall time). The last third's refusals count as "settled".
 */
async function drive(url: string, capacity: number, calls: number, llm: Partial<OpenAiSettingsInput>, ceiling: number) {
  const runner = createLlmRunner(openAiSettingsSchema.parse({ backend: 'openai', model: 'm', cache: false, logPrompts: 'none', timeoutMs: 60_000, endpoints: [{ url, concurrency: ceiling }], ...llm }))
  const callers = Math.ceil(ceiling * 1.5)
  const s0 = await serverStats(url)
  const t0 = performance.now()
  const first = Math.round((calls * 2) / 3)
  await driveCalls(runner, first, 0, Math.min(callers, first))
  const s1 = await serverStats(url)
  await driveCalls(runner, calls - first, first, Math.min(callers, calls - first))
  const ms = performance.now() - t0
  const s2 = await serverStats(url)
  const limit = runner.limits().get(url)
  await runner.close()
  const refused = (a: TestServerStats, b: TestServerStats) => (b.faults.overflow ?? 0) - (a.faults.overflow ?? 0)
  return {
    s: Math.round(ms) / 1000,
    utilization: Math.round(((s2.ok - s0.ok) * LATENCY * 1000) / (capacity * ms)) / 1000,
    finalLimit: limit,
    refusedShare: Math.round((refused(s0, s2) / Math.max(1, s2.requests - s0.requests)) * 10_000) / 10_000,
    refusedShareSettled: Math.round((refused(s1, s2) / Math.max(1, s2.requests - s1.requests)) * 10_000) / 10_000,
  }
}

/** A whole `feed` run with the CLI's defaults (no --llm-concurrency): server utilization over the run, and its limit trajectory. */
async function defaultRun(url: string, capacity: number, agents: number) {
  const db = join(tmpdir(), `usersim-bench-adaptive-${process.pid}.db`)
  try {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'run', 'feed', '--agents', String(agents), '--rounds', '1', '--llm', 'openai', '--model', 'm', '--base-url', url, '--no-cache', '--log-prompts', 'none', '--db', db, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
      let buf = ''
      child.stdout!.on('data', (d) => (buf += d))
      child.once('exit', (code) => (code === 0 ? resolve(buf) : reject(new Error(`usersim run exited with ${code}`))))
    })
    const ms = (JSON.parse(out) as { invocation: { durationMs: number } }).invocation.durationMs
    const d = new Database(db, { readonly: true })
    const calls = d.prepare('SELECT count(*) FROM llm_calls').pluck().get() as number
    const limits = d.prepare('SELECT concurrency_limit FROM llm_calls WHERE concurrency_limit IS NOT NULL ORDER BY rowid').pluck().all() as number[]
    d.close()
    const at = (q: number) => limits[Math.min(limits.length - 1, Math.floor(q * limits.length))]
    return { agents, calls, s: Math.round(ms) / 1000, utilization: Math.round((calls * LATENCY * 1000) / (capacity * ms)) / 1000, limitAt: { '10%': at(0.1), '50%': at(0.5), '90%': at(0.9), end: limits.at(-1) } }
  } finally {
    for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true })
  }
}

/** One round of `calls` calls against a server where 20 % of requests fail (a sixth of them hang): wall time and call latency quantiles. */
async function faultyRound(url: string, calls: number, hedge: boolean) {
  const runner = createLlmRunner(openAiSettingsSchema.parse({ backend: 'openai', model: 'm', cache: false, logPrompts: 'none', timeoutMs: 20_000, endpoints: [{ url, concurrency: 64 }], hedge: { enabled: hedge } }))
  await driveCalls(runner, 64, 50_000_000, 64) // warm-up: connections and latency figures
  const t0 = performance.now()
  const tally = { byEndpoint: {}, ok: 0, calls: 0, latencies: [] as number[] }
  await driveCalls(runner, calls, 0, 96, tally)
  const ms = performance.now() - t0
  const hedges = runner.hedgesSent()
  await runner.close()
  const l = tally.latencies.sort((a, b) => a - b)
  const q = (p: number) => Math.round(l[Math.min(l.length - 1, Math.ceil(p * l.length) - 1)] ?? 0)
  return { hedging: hedge, roundS: Math.round(ms) / 1000, p50Ms: q(0.5), p99Ms: q(0.99), maxMs: q(1), hedges }
}

/**
 * Issue 21: the adaptive limit against `usersim mock-llm` (100 ms, in its own process) at
 * capacities 16, 64, 256 and 1,024, against the right fixed limit (--llm-concurrency
 * fixed:C), with the default settings (ceiling 1,024, start 16), once with a server that
 * queues past its capacity (vLLM) and once with one that answers 429 (hosted APIs).
 * Then a whole `feed` run on the CLI's defaults against capacity 256 (the first
 * measurement: 0.18 of the server used with the old fixed default of 64). Issue 13 item 9:
 * one round against `mock-llm --fault-rate 0.2` with hedging off and on (attempt timeout
 * 20 s here, to keep the benchmark short; the default is 60 s). BENCH_ADAPTIVE_CALLS_PER_SLOT
 * (default 30) sets the calls per unit of capacity (at most 32,000 calls per run: with fewer,
 * the run at 1,024 lasts about as long as the slow start from 16 and measures mostly that).
 */
export async function benchAdaptive(): Promise<Record<string, unknown>> {
  const perSlot = Number(process.env.BENCH_ADAPTIVE_CALLS_PER_SLOT ?? 30)
  const load = loadavg()[0]!
  const children: ChildProcess[] = []
  try {
    const table: Array<Record<string, unknown>> = []
    for (const capacity of [16, 64, 256, 1024]) {
      const calls = Math.min(capacity * perSlot, 32_000)
      const q = await mockServer(LATENCY, capacity)
      const r = await mockServer(LATENCY, capacity, ['--overflow', 'reject'])
      children.push(q.child, r.child)
      const fixed = await drive(q.url, capacity, calls, { adaptive: { enabled: false } }, capacity)
      const adaptive = await drive(q.url, capacity, calls, {}, 1024)
      const fixedReject = await drive(r.url, capacity, calls, { adaptive: { enabled: false } }, capacity)
      const adaptiveReject = await drive(r.url, capacity, calls, {}, 1024)
      q.child.kill('SIGTERM')
      r.child.kill('SIGTERM')
      table.push({
        capacity,
        calls,
        fixedUtilization: fixed.utilization,
        adaptiveUtilization: adaptive.utilization,
        ratio: Math.round((adaptive.utilization / fixed.utilization) * 1000) / 1000,
        adaptiveFinalLimit: adaptive.finalLimit,
        rejectFixedUtilization: fixedReject.utilization,
        rejectAdaptiveUtilization: adaptiveReject.utilization,
        rejectAdaptiveFinalLimit: adaptiveReject.finalLimit,
        rejectRefusedShare: adaptiveReject.refusedShare,
        rejectRefusedShareSettled: adaptiveReject.refusedShareSettled,
      })
    }
    console.log('   adaptive concurrency vs the right fixed limit (mock-llm, 100 ms; utilization = busy server time ÷ capacity × wall time):')
    console.log('   capacity | calls | fixed:C | default (adaptive) | ratio | limit at end | 429-server: fixed:C / default, limit, 429 share (all / last third)')
    for (const t of table) {
      console.log(
        `   ${String(t.capacity).padStart(8)} | ${String(t.calls).padStart(5)} | ${t.fixedUtilization} | ${t.adaptiveUtilization} | ${t.ratio} | ${t.adaptiveFinalLimit} | ${t.rejectFixedUtilization} / ${t.rejectAdaptiveUtilization}, ${t.rejectAdaptiveFinalLimit}, ${t.rejectRefusedShare} / ${t.rejectRefusedShareSettled}`,
      )
    }
    const s = await mockServer(LATENCY, 256)
    children.push(s.child)
    const run = await defaultRun(s.url, 256, 3000)
    s.child.kill('SIGTERM')
    console.log(`   feed, ${run.agents} agents × 1 round, CLI defaults, capacity 256: ${run.calls} calls in ${run.s} s → server utilization ${run.utilization}; limit at 10/50/90 % of calls ${run.limitAt['10%']} / ${run.limitAt['50%']} / ${run.limitAt['90%']}`)
    const f = await mockServer(50, 256, ['--fault-rate', '0.2'])
    children.push(f.child)
    const off = await faultyRound(f.url, 500, false)
    const on = await faultyRound(f.url, 500, true)
    f.child.kill('SIGTERM')
    for (const t of [off, on]) console.log(`   round of 500 calls, mock-llm --fault-rate 0.2, hedging ${t.hedging ? 'on ' : 'off'}: ${t.roundS} s; call latency p50 ${t.p50Ms} ms, p99 ${t.p99Ms} ms, max ${t.maxMs} ms; ${t.hedges} hedges`)
    console.log(`   (load average at start ${Math.round(load * 100) / 100}: figures are noisy on a shared machine)`)
    return { llmAdaptive: table, llmAdaptiveDefaultRun: run, llmRoundTail: { hedgingOff: off, hedgingOn: on }, llmAdaptiveLoadAverage: load }
  } finally {
    for (const c of children) c.kill('SIGTERM')
  }
}
