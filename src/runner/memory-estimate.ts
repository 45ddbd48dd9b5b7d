import { totalmem } from 'node:os'
import { getHeapStatistics } from 'node:v8'
import { SimError, type Catalog, type ScenarioDef } from '../core/index.ts'
import type { RunConfig } from '../config/index.ts'
import { scenarioData } from './shard-env.ts'

/**
 * Heap bytes per item of a generated catalog, index included: 565–751 B for the items and
 * 72 B for the typed index (measured with --expose-gc at 50k and 200k items), rounded up.
 * A scenario's own items are sized from a sample of them (`catalogBytesPerItem`).
 */
export const GENERATED_ITEM_BYTES = 900

/** Persona and agent record cached per agent in the heap that runs its shard (see threadHeapMb). */
const AGENT_BYTES = 6 * 1024
/** What a heap holds besides the world: code, the task runner, a round's rows (MB). */
const BASE_MB = 320

/** Catalogs smaller than this are not estimated: they fit anywhere. */
const ESTIMATE_FROM = 100_000
const SAMPLE = 1000
const MB = 1024 * 1024

/** Heap bytes per item, from a sample of the scenario's own items (their JSON size, doubled for V8's objects, plus the index). */
export function catalogBytesPerItem(sample: Catalog): number {
  const items = sample.items.slice(0, SAMPLE)
  if (!items.length) return GENERATED_ITEM_BYTES
  const json = JSON.stringify(items).length / items.length
  return Math.max(GENERATED_ITEM_BYTES, Math.round(2 * json + 100))
}

/** The heap one thread needs for its share of a run (MB): the world, its agents, the rest. */
export function heapNeedMb(catalogSize: number, agents: number, bytesPerItem = GENERATED_ITEM_BYTES): number {
  return Math.round(BASE_MB + (catalogSize * bytesPerItem + agents * AGENT_BYTES) / MB)
}

const gb = (mb: number) => `${(mb / 1024).toFixed(1)} GB`

export interface MemoryLimits {
  /** This process's heap limit (MB). */
  mainHeapMb: number
  /** The machine's memory (MB). */
  machineMb: number
}

export function currentLimits(): MemoryLimits {
  return { mainHeapMb: getHeapStatistics().heap_size_limit / MB, machineMb: totalmem() / MB }
}

/**
 * Refuses a run whose catalog cannot fit, before it starts: every heap that runs shards
 * (this thread, and each worker thread) holds its own copy of the catalog, so a catalog of
 * ten million items would otherwise run for a minute and abort with a native stack (and its
 * resume would do the same). `threads` 0 runs everything in this thread; remote workers
 * (BullMQ) are checked by their own processes.
 */
export function checkMemory(config: RunConfig, threads: number, bytesPerItem: number, limits: MemoryLimits = currentLimits()): void {
  const n = config.catalogSize
  const catalogMb = (n * bytesPerItem) / MB
  const main = heapNeedMb(n, threads === 0 ? config.agents : 0, bytesPerItem)
  const what = `--catalog ${n.toLocaleString('en-US')} (about ${Math.round(bytesPerItem)} bytes per item: ${gb(catalogMb)} per copy)`
  if (main > limits.mainHeapMb * 0.9) {
    throw new SimError(
      'USAGE',
      `${what} needs about ${gb(main)} of heap in this process; its limit is ${gb(limits.mainHeapMb)}. ` +
        `Use a smaller --catalog, or raise the limit: NODE_OPTIONS=--max-old-space-size=${Math.ceil((main * 1.2) / 1024) * 1024} npx usersim …`,
    )
  }
  const perThread = threads > 0 ? heapNeedMb(n, Math.ceil(config.agents / threads), bytesPerItem) : 0
  const total = main + threads * perThread
  if (total > limits.machineMb * 0.8) {
    throw new SimError(
      'USAGE',
      `${what} needs about ${gb(total)} in all: this process and each of ${threads} worker threads hold a copy of the catalog; this machine has ${gb(limits.machineMb)}. ` +
        `Use fewer threads (--threads 0 keeps one copy) or a smaller --catalog.`,
    )
  }
}

/** Sizes the scenario's items from a sample (only for large catalogs) and checks the run fits (see checkMemory). */
export async function checkRunMemory(scenario: ScenarioDef, config: RunConfig, threads: number): Promise<void> {
  if (config.catalogSize < ESTIMATE_FROM) return
  const data = await scenarioData(scenario, config)
  const sample = scenario.catalog({ seed: config.seed, size: SAMPLE, params: config.params, data })
  checkMemory(config, threads, catalogBytesPerItem(sample))
}
