import type { RunConfig } from '../core/index.ts'

/** What a cleaner is told when a run is resumed, rolled back or branched from a checkpoint. */
export interface StaleWorkInfo {
  runId: string
  db: string
  config: RunConfig
  /** The first round the continuing run will execute; work queued for it or later is stale. */
  fromRound: number
}

/**
 * Removes work a dead orchestrator left behind (distributed mode: queued, delayed or
 * active BullMQ jobs of the run). Registered by the executor that queues such work.
 */
export type StaleWorkCleaner = (info: StaleWorkInfo) => Promise<void>

const cleaners = new Map<string, StaleWorkCleaner>()

/**
 * Registers a cleaner under a name (re-registering replaces it).
 *
 * @example
 * registerStaleWorkCleaner('bullmq', async ({ runId }) => { await obliterateRunJobs(runId) })
 */
export function registerStaleWorkCleaner(name: string, cleaner: StaleWorkCleaner): void {
  cleaners.set(name, cleaner)
}

/** Runs every registered cleaner before a run continues. */
export async function cleanStaleWork(info: StaleWorkInfo): Promise<void> {
  for (const clean of cleaners.values()) await clean(info)
}
