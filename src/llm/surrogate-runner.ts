import { rngFor, type TaskCallRecord, type TaskDef, type TaskCallMeta, type RecordingTaskRunner } from '../core/index.ts'

/**
 * Runs every task on its surrogate. The surrogate's Rng is keyed by (run seed, agent,
 * round, task, call), so its answers never depend on where or when it ran.
 * It records nothing per call (a 100k-agent run makes millions); the LLM runner does.
 */
export function surrogateRunner(): RecordingTaskRunner & { counts: Map<string, number> } {
  const counts = new Map<string, number>()
  return {
    counts,
    run<I, O>(task: TaskDef<I, O>, input: I, meta: TaskCallMeta): Promise<O> {
      counts.set(task.name, (counts.get(task.name) ?? 0) + 1)
      return Promise.resolve(task.surrogate(input, rngFor(meta.runSeed, meta.agent, meta.round, task.name, meta.call)))
    },
    drain(): TaskCallRecord[] {
      return []
    },
  }
}
