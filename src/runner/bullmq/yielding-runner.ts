import type { RecordingTaskRunner } from '../../core/index.ts'

/**
 * Lets the event loop breathe while a shard runs. The surrogate answers synchronously,
 * so a shard of thousands of agents would otherwise hold the loop for seconds and BullMQ
 * could not renew the job's lock: the job would look dead and run twice. Every `everyMs`
 * of work, the next task call waits one macrotask. Results do not change: the shard's
 * outcome never depends on timing.
 */
export function yieldingRunner(tasks: RecordingTaskRunner, everyMs = 50): RecordingTaskRunner {
  let last = performance.now()
  return {
    run(def, input, meta) {
      const now = performance.now()
      if (now - last < everyMs) return tasks.run(def, input, meta)
      last = now
      return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        last = performance.now()
        return tasks.run(def, input, meta)
      })
    },
    drain: () => tasks.drain(),
  }
}
