import { rngFor, type TaskCallRecord, type TaskDef, type TaskCallMeta, type RecordingTaskRunner } from '../core/index.ts'

/**
 * Runs every task on its surrogate. The surrogate's Rng is keyed by (run seed, agent,
 * round, task, call), so its answers never depend on where or when it ran.
 * It records only tasks marked `record` (dataset tasks): a 100k-agent run makes millions of calls.
 */
export function surrogateRunner(counts = new Map<string, number>()): RecordingTaskRunner & { counts: Map<string, number> } {
  const records: TaskCallRecord[] = []
  return {
    counts,
    run<I, O>(task: TaskDef<I, O>, input: I, meta: TaskCallMeta): Promise<O> {
      counts.set(task.name, (counts.get(task.name) ?? 0) + 1)
      const output = task.surrogate(input, rngFor(meta.runSeed, meta.agent, meta.round, task.name, meta.call))
      // Dataset tasks (record: true) keep their traces; everything else stays unrecorded.
      if (task.record) records.push({ task: task.name, agent: meta.agent, round: meta.round, outcome: 'surrogate', input, output })
      return Promise.resolve(output)
    },
    drain(): TaskCallRecord[] {
      return records.splice(0)
    },
    fork: () => surrogateRunner(counts),
  }
}
