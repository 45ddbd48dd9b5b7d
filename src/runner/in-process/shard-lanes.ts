import type { LlmSettings } from '../../llm/settings.ts'

/**
 * Shards one executor lane (the main thread, or one shard thread) runs at once. On the
 * surrogate a shard is pure CPU: one at a time. On a model backend a shard's last
 * agents leave slots empty while they finish, and the shard's commit follows; a second
 * shard fills those slots. Its calls queue behind the first shard's (the limiter serves
 * first come, first served), so the first still finishes first and commits early.
 */
export function shardLanes(llm?: LlmSettings): number {
  return llm && llm.backend !== 'surrogate' ? 2 : 1
}

/**
 * Runs `fn` over `items` with at most `lanes` at once, in order of index. After a
 * failure no new item starts; it waits for the ones running, then throws the first
 * error, so nothing of this round is still running when the caller recovers.
 */
export async function runInLanes<T>(items: readonly T[], lanes: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0
  let failed = false
  const outcomes = await Promise.allSettled(
    Array.from({ length: Math.min(Math.max(1, lanes), items.length) }, async () => {
      while (!failed && next < items.length) {
        const i = next++
        try {
          await fn(items[i]!, i)
        } catch (err) {
          failed = true
          throw err
        }
      }
    }),
  )
  const bad = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')
  if (bad) throw bad.reason
}
