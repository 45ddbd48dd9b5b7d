import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineTask } from '../../src/core/index.ts'
import { createLlmRunner } from '../../src/llm/llm-runner.ts'
import { openAiSettingsSchema } from '../../src/llm/settings.ts'
import { startOpenAiTestServer, type OpenAiTestServer } from '../../src/llm/testing/openai-test-server.ts'
import { redisConnection } from '../../src/runner/bullmq/index.ts'
import { redisLimiter } from '../../src/runner/bullmq/redis-limiter.ts'
import { keysUnder, REDIS_URL } from '../fixtures/distributed/workers.ts'

const rate = defineTask({
  name: 'rate-item',
  version: 1,
  input: z.object({ title: z.string() }),
  output: z.object({ rating: z.number().int().min(1).max(5) }),
  prompt: (i) => [{ role: 'user', content: `Rate ${i.title}` }],
  surrogate: () => ({ rating: 3 }),
})

let prefix = ''
let conns: Redis[] = []
let server: OpenAiTestServer | undefined
afterEach(async () => {
  const keys = await keysUnder(prefix)
  if (keys.length) await conns[0]!.del(...keys)
  for (const c of conns) c.disconnect()
  conns = []
  await server?.close()
})

/** A worker's runner: its own Redis connection and limiter, as on another machine. */
function worker(url: string) {
  const redis = redisConnection(REDIS_URL)
  conns.push(redis)
  const limiter = redisLimiter({ redis, prefix, scope: 'test' })
  return createLlmRunner(openAiSettingsSchema.parse({ backend: 'openai', model: 'm', cache: false, timeoutMs: 30_000, endpoints: [{ url, concurrency: 512 }], adaptive: { initial: 4 } }), { limiter })
}

describe('adaptive limit across BullMQ workers (Redis)', () => {
  it('a worker that joins later starts from the limit the first one found, held in Redis', async () => {
    prefix = `usersim-test-${randomUUID().slice(0, 8)}`
    server = await startOpenAiTestServer({ models: ['m'], latencyMs: 20, capacity: 64, keepRequests: false })
    const first = worker(server.url)
    await Promise.all(Array.from({ length: 1500 }, (_, a) => first.run(rate, { title: `t${a}` }, { runSeed: 1, agent: a, round: 0, call: 0 })))
    const found = first.limits().get(server.url)!
    expect(found).toBeGreaterThan(4)
    const held = Number(await conns[0]!.get(`${prefix}:llm:limit:${server.url}`))
    expect(held).toBeGreaterThan(4)
    // The second worker has made no call yet: its limit comes from Redis, not from 4.
    const second = worker(server.url)
    await new Promise((r) => setTimeout(r, 200))
    expect(second.limits().get(server.url)).toBe(held)
    await first.close()
    await second.close()
  }, 120_000)
})
