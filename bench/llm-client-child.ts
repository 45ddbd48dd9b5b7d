// The LLM client side of the saturation benchmark: task calls through the LLM runner,
// in the bench's own thread or (loaded by llm-client-child-boot.mjs) on a worker
// thread with its share of the limits, as a run's shard threads have.
import { isMainThread, parentPort, workerData } from 'node:worker_threads'
import { decideContinue } from '../agents/users/ailo/tasks/decide-continue.ts'
import type { TaskCallRecord } from '../src/core/index.ts'
import { createLlmRunner, type LlmRunner } from '../src/llm/llm-runner.ts'
import type { OpenAiSettings } from '../src/llm/settings.ts'

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

/** What one client (thread) reports: calls per endpoint and how many were ok. */
export interface ClientTally {
  byEndpoint: Record<string, number>
  ok: number
  calls: number
  /** Each call's latency, when the caller wants them. */
  latencies?: number[]
}

function tally(into: ClientTally, recs: TaskCallRecord[]): void {
  for (const r of recs) {
    into.byEndpoint[r.endpoint ?? '?'] = (into.byEndpoint[r.endpoint ?? '?'] ?? 0) + 1
    into.calls++
    if (r.outcome === 'ok') into.ok++
    into.latencies?.push(r.latencyMs ?? 0)
  }
}

/**
 * Makes `n` decide-continue calls with `callers` agents in flight (a run keeps 1.5 ×
 * its slots in flight) and collects the records every 1,000 calls, as shards do. A
 * record is filled in as its call goes on, so they are counted only at the end.
 */
export async function driveCalls(runner: LlmRunner, n: number, offset: number, callers: number, into?: ClientTally): Promise<void> {
  let next = 0
  const drained: TaskCallRecord[][] = []
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < n) {
        const k = offset + next++
        await runner.run(decideContinue, inputFor(k), { runSeed: 1, agent: k, round: 0, call: 0 })
        if (k % 1000 === 0) drained.push(runner.drain())
      }
    }),
  )
  drained.push(runner.drain())
  if (into) for (const recs of drained) tally(into, recs)
}

export function callersFor(settings: OpenAiSettings): number {
  return Math.ceil(settings.endpoints.reduce((n, e) => n + e.concurrency, 0) * 1.5)
}

/** Warm-up (opens the connections), then waits for 'go' and reports its tally. */
async function thread(): Promise<void> {
  const { settings, calls, offset } = workerData as { settings: OpenAiSettings; calls: number; offset: number }
  const runner = createLlmRunner(settings)
  const callers = callersFor(settings)
  await driveCalls(runner, callers * 2, 10_000_000 + offset, callers)
  parentPort!.postMessage({ type: 'ready' })
  await new Promise((resolve) => parentPort!.once('message', resolve))
  const t: ClientTally = { byEndpoint: {}, ok: 0, calls: 0 }
  await driveCalls(runner, calls, offset, callers, t)
  await runner.close()
  parentPort!.postMessage({ type: 'done', tally: t })
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === 'llm-client') await thread()
