import type { Queue } from 'bullmq'
import type { Redis } from 'ioredis'

/**
 * Removes everything a run left in Redis: its data keys and its jobs in any state but
 * active (an active job removes itself when it completes; its worker finds the run's
 * input gone and writes nothing). Returns how many jobs were active and left. Keys are found with SCAN, never KEYS, so a busy server
 * is not blocked.
 */
export async function deleteRunData(redis: Redis, queue: Queue, prefix: string, runId: string, knownJobIds: Iterable<string> = []): Promise<number> {
  await unlinkMatching(redis, `${prefix}:run:${runId}:*`)
  const ids = new Set(knownJobIds)
  const jobKey = new RegExp(`^${escape(`${prefix}:${queue.name}:`)}(${escape(runId)}-\\d+-\\d+)$`)
  for await (const batch of scan(redis, `${prefix}:${queue.name}:${runId}-*`)) {
    for (const key of batch) {
      const m = jobKey.exec(key)
      if (m) ids.add(m[1]!)
    }
  }
  let left = 0
  for (const id of ids) {
    const removed = await queue.remove(id).catch(() => 0)
    if (!removed && (await redis.exists(`${prefix}:${queue.name}:${id}`))) left++
  }
  return left
}

export async function unlinkMatching(redis: Redis, pattern: string): Promise<number> {
  let n = 0
  for await (const batch of scan(redis, pattern)) {
    if (batch.length) n += await redis.unlink(...batch)
  }
  return n
}

async function* scan(redis: Redis, pattern: string): AsyncGenerator<string[]> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
    cursor = next
    yield keys
  } while (cursor !== '0')
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
