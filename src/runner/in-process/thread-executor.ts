import { Worker } from 'node:worker_threads'
import { deserializeError, SimError } from '../../core/index.ts'
import { limitsShare, type LlmSettings } from '../../llm/settings.ts'
import type { RunConfig } from '../../config/index.ts'
import type { ShardExecutor } from '../executor.ts'
import type { ShardResult } from '../../core/index.ts'
import type { InProcessOptions } from './inline-executor.ts'
import type { FromThread, ToThread } from './thread-protocol.ts'
import { heapNeedMb } from '../memory-estimate.ts'

const BOOT = new URL('./shard-thread-boot.mjs', import.meta.url)

/**
 * The old-generation heap a shard thread may grow to. V8 otherwise sizes heaps from
 * the machine's memory and lets garbage pile up (1.5 GB at 100k agents on 24 GB); a
 * limit of a few times the live set (personas cached for the thread's agents, about
 * 2.5 KB each) keeps the peak near 1 GB without starving the collector. Each thread also
 * holds its own copy of the catalog, so a large catalog raises the limit with it.
 */
export function threadHeapMb(config: RunConfig, threads: number): number {
  const env = Number(process.env.USERSIM_THREAD_HEAP_MB)
  if (Number.isFinite(env) && env > 0) return env
  const agentsPerThread = Math.ceil(config.agents / Math.max(1, threads))
  return heapNeedMb(config.catalogSize, agentsPerThread)
}

/**
 * The young generation of a shard thread. A model call's request and response objects
 * live as long as the call (100 ms to seconds); with a small young generation they
 * survive two scavenges and are promoted, and the old generation pays for them. 192 MB
 * (64 MB semi-spaces) lets them die young: the client's CPU per call drops by about a
 * seventh (0.29 → 0.25 ms in a 4-run A/B against `usersim mock-llm`). Surrogate steps
 * allocate short-lived objects only.
 */
export function threadYoungMb(llm?: LlmSettings): number {
  return llm?.backend === 'openai' ? 192 : 64
}

interface Slot {
  worker: Worker
  pending: Map<number, { resolve: (r: ShardResult) => void; reject: (e: Error) => void }>
}

/**
 * Runs shards on worker threads. Shard i always goes to thread i % threads, so each
 * thread caches only its own agents' personas; results never depend on the placement.
 */
export async function threadExecutor(config: RunConfig, threads: number, opts: Omit<InProcessOptions, 'tasks'> = {}): Promise<ShardExecutor> {
  const llm = opts.llm ?? config.llm
  const concurrency = opts.concurrency ?? 1
  // The plan (execution-plan.ts) never asks for more threads than the model limits can be shared over.
  const slots: Slot[] = []
  let fatal: Error | undefined
  const started = Array.from({ length: threads }, (_, index) => {
    const worker = new Worker(BOOT, { stdout: false, stderr: false, resourceLimits: { maxOldGenerationSizeMb: threadHeapMb(config, threads), maxYoungGenerationSizeMb: threadYoungMb(llm) } })
    const slot: Slot = { worker, pending: new Map() }
    slots.push(slot)
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (m: FromThread) => {
        if (m.type === 'ready') resolve()
        else if (m.type === 'result') {
          slot.pending.get(m.result.shard)?.resolve(m.result)
          slot.pending.delete(m.result.shard)
        } else {
          const err = deserializeError(m.error)
          if (m.shard === null) {
            fatal = err
            reject(err)
            for (const p of slot.pending.values()) p.reject(err)
            slot.pending.clear()
          } else {
            slot.pending.get(m.shard)?.reject(err)
            slot.pending.delete(m.shard)
          }
        }
      })
      worker.on('error', (err) => {
        fatal = err
        reject(err)
        for (const p of slot.pending.values()) p.reject(err)
        slot.pending.clear()
      })
      worker.on('exit', (code) => {
        if (code !== 0 && slot.pending.size) {
          const err = new SimError('INTERNAL', `shard thread exited with code ${code}`)
          for (const p of slot.pending.values()) p.reject(err)
          slot.pending.clear()
        }
      })
      // Each thread's runner has its own limiter, so each gets its share of the limits.
      const share = llm?.backend === 'openai' ? limitsShare(llm, threads, index) : llm
      worker.postMessage({ type: 'init', config, llm: share, concurrency, shardExtensions: opts.shardExtensions } satisfies ToThread)
    })
  })
  try {
    await Promise.all(started)
  } catch (err) {
    await Promise.all(slots.map((s) => s.worker.terminate()))
    throw err
  }

  return {
    name: `threads(${threads})`,
    async runRound(round, snapshot, shards, onShardDone) {
      if (fatal) throw fatal
      for (const s of slots) s.worker.postMessage({ type: 'snapshot', round, snapshot } satisfies ToThread)
      return Promise.all(
        shards.map((input, i) => {
          const slot = slots[i % slots.length]!
          return new Promise<ShardResult>((resolve, reject) => {
            slot.pending.set(input.shard, {
              resolve: (r) => {
                onShardDone?.(r)
                resolve(r)
              },
              reject,
            })
            slot.worker.postMessage({ type: 'shard', input } satisfies ToThread)
          })
        }),
      )
    },
    async close() {
      await Promise.all(slots.map((s) => s.worker.terminate()))
    },
  }
}
