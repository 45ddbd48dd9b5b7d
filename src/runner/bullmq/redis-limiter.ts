import { createHash, randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { EndpointLimit, LlmLimiter, LlmPermit, PermitRequest, RateLimits } from '../../llm/limits.ts'

// One atomic step: pick an endpoint with a free slot, check both buckets, take it all.
// Time is Redis's (TIME), so machines with skewed clocks share one notion of "now".
const ACQUIRE_LUA = `
--- KEYS[1] request bucket (hash level, ts), KEYS[2] token bucket
--- KEYS[3..] one ZSET of permits per endpoint (member permit id, score expiry ms)
--- ARGV[1] rpm (0 = unlimited), ARGV[2] tpm (0 = unlimited), ARGV[3] tokens wanted
--- ARGV[4] permit id, ARGV[5] permit TTL ms, ARGV[6..] concurrency per endpoint (KEYS order)
--- Returns {1, endpoint index (1-based), in flight after} granted;
---         {0, wait ms} an endpoint is free but a bucket is short;
---         {-1, 0} every endpoint is full.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local best, bestLoad, bestN = nil, nil, nil
for i = 3, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  local n = redis.call('ZCARD', KEYS[i])
  local c = tonumber(ARGV[i + 3])
  if n < c then
    local load = n / c
    if best == nil or load < bestLoad or (load == bestLoad and n < bestN) then
      best, bestLoad, bestN = i, load, n
    end
  end
end
if best == nil then return {-1, 0} end
local function level(key, perMinute)
  local h = redis.call('HMGET', key, 'level', 'ts')
  if not h[1] then return perMinute end
  return math.min(perMinute, tonumber(h[1]) + (now - tonumber(h[2])) * perMinute / 60000)
end
local rpm, tpm, tokens = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local wait, rl, tl = 0, 0, 0
if rpm > 0 then
  rl = level(KEYS[1], rpm)
  if rl < 1 then wait = math.max(wait, math.ceil((1 - rl) * 60000 / rpm)) end
end
if tpm > 0 then
  tl = level(KEYS[2], tpm)
  local need = math.min(tokens, tpm)
  if tl < need then wait = math.max(wait, math.ceil((need - tl) * 60000 / tpm)) end
end
if wait > 0 then return {0, wait} end
-- A bucket untouched for a minute is full again: letting it expire changes nothing.
if rpm > 0 then redis.call('HSET', KEYS[1], 'level', tostring(rl - 1), 'ts', now); redis.call('PEXPIRE', KEYS[1], 60000) end
if tpm > 0 then redis.call('HSET', KEYS[2], 'level', tostring(tl - tokens), 'ts', now); redis.call('PEXPIRE', KEYS[2], 60000) end
redis.call('ZADD', KEYS[best], now + tonumber(ARGV[5]), ARGV[4])
redis.call('PEXPIRE', KEYS[best], tonumber(ARGV[5]))
return {1, best - 2, bestN + 1}
`

const RELEASE_LUA = `
--- KEYS[1] the endpoint's permit ZSET, KEYS[2] token bucket
--- ARGV[1] permit id, ARGV[2] tpm (0 = unlimited), ARGV[3] tokens used minus tokens estimated
--- Returns the endpoint's permits in flight after the release.
redis.call('ZREM', KEYS[1], ARGV[1])
local tpm, delta = tonumber(ARGV[2]), tonumber(ARGV[3])
if tpm > 0 and delta ~= 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local h = redis.call('HMGET', KEYS[2], 'level', 'ts')
  local l = tpm
  if h[1] then l = math.min(tpm, tonumber(h[1]) + (now - tonumber(h[2])) * tpm / 60000) end
  l = math.min(tpm, l - delta)
  redis.call('HSET', KEYS[2], 'level', tostring(l), 'ts', now)
  redis.call('PEXPIRE', KEYS[2], 60000)
end
return redis.call('ZCARD', KEYS[1])
`

export interface RedisLimiterOptions {
  redis: Redis
  /** Key prefix (default `usersim`). */
  prefix?: string
  /** Which request/token budget is shared: limiters with the same scope draw on one. */
  scope?: string
  rates?: RateLimits
  /** A permit never released (its worker died) stops counting after this long (default 5 min). */
  permitTtlMs?: number
  /** How often a waiter looks again when every endpoint is full (default 25 ms). */
  pollMs?: number
}

type LimiterRedis = Redis & {
  limiterAcquire(...args: Array<string | number>): Promise<number[]>
  limiterRelease(...args: Array<string | number>): Promise<number>
}

interface Waiter {
  req: PermitRequest
  resolve: (p: LlmPermit) => void
  reject: (e: unknown) => void
  done: boolean
}

/**
 * An `LlmLimiter` whose counts live in Redis, so that any number of workers on any
 * machines together keep one concurrency cap per endpoint and one request and token rate.
 * Each acquire is one Lua script (atomic); waiters are served first come, first served
 * within a process, and between processes whoever asks first once capacity frees up.
 * Permits of a worker that died expire after `permitTtlMs`; idle buckets expire after a
 * minute (when they would be full anyway), so no key outlives the work.
 *
 * @example
 * const limiter = redisLimiter({ redis: redisConnection(url), scope: 'vllm-a', rates: { rpm: 6000 } })
 * const runner = await createTaskRunner(settings, { limiter })
 */
export function redisLimiter(opts: RedisLimiterOptions): LlmLimiter {
  const redis = opts.redis as LimiterRedis
  if (typeof (opts.redis as unknown as Partial<LimiterRedis>).limiterAcquire !== 'function') {
    redis.defineCommand('limiterAcquire', { lua: ACQUIRE_LUA })
    redis.defineCommand('limiterRelease', { numberOfKeys: 2, lua: RELEASE_LUA })
  }
  const base = `${opts.prefix ?? 'usersim'}:llm:${opts.scope ?? 'default'}`
  const rpm = opts.rates?.rpm ?? 0
  const tpm = opts.rates?.tpm ?? 0
  const ttl = opts.permitTtlMs ?? 5 * 60_000
  const pollMs = opts.pollMs ?? 25
  // Concurrency is the server's capacity: one count per endpoint, whatever the scope.
  const flightKey = (endpoint: string) => `${opts.prefix ?? 'usersim'}:llm:flight:${endpoint}`
  const limitKey = (endpoint: string) => `${opts.prefix ?? 'usersim'}:llm:limit:${endpoint}`
  const ids = new WeakMap<LlmPermit, string>()
  const inFlight = new Map<string, number>()
  const queue: Waiter[] = []
  let pumping = false
  let timer: NodeJS.Timeout | undefined

  const tryAcquire = async (w: Waiter): Promise<number> => {
    const eps: readonly EndpointLimit[] = w.req.endpoints
    const id = randomUUID()
    const keys = [`${base}:rpm`, `${base}:tpm`, ...eps.map((e) => flightKey(e.id))]
    const r = await redis.limiterAcquire(keys.length, ...keys, rpm, tpm, w.req.tokens, id, ttl, ...eps.map((e) => e.concurrency))
    if (r[0] !== 1) return r[0] === 0 ? Math.max(1, r[1]!) : pollMs
    const ep = eps[r[1]! - 1]!
    inFlight.set(ep.id, r[2]!)
    const permit: LlmPermit = { endpoint: ep.id, tokens: w.req.tokens, inFlight: r[2]! }
    ids.set(permit, id)
    if (w.done) {
      // Aborted while the script ran: give the permit straight back.
      void release(permit, permit.tokens)
    } else {
      w.done = true
      w.resolve(permit)
    }
    return 0
  }

  /** Serves the queue in order; one script call at a time per process. */
  const pump = async () => {
    if (pumping) return
    pumping = true
    if (timer) clearTimeout(timer)
    timer = undefined
    try {
      while (queue.length) {
        const w = queue[0]!
        if (w.done) {
          queue.shift()
          continue
        }
        let wait: number
        try {
          wait = await tryAcquire(w)
        } catch (err) {
          queue.shift()
          w.done = true
          w.reject(err)
          continue
        }
        if (wait > 0) {
          timer = setTimeout(() => void pump(), wait)
          break
        }
        queue.shift()
      }
    } finally {
      pumping = false
    }
  }

  const release = async (permit: LlmPermit, used: number) => {
    const id = ids.get(permit)
    if (!id) return
    ids.delete(permit)
    try {
      inFlight.set(permit.endpoint, await redis.limiterRelease(flightKey(permit.endpoint), `${base}:tpm`, id, tpm, used - permit.tokens))
    } catch {
      // Redis unreachable: the permit expires by itself after its TTL.
    }
    if (queue.length) void pump()
  }

  return {
    acquire(req) {
      if (req.signal?.aborted) return Promise.reject(req.signal.reason)
      if (!req.endpoints.length) return Promise.reject(new Error('no endpoint to acquire a permit on'))
      return new Promise<LlmPermit>((resolve, reject) => {
        const w: Waiter = { req, resolve, reject, done: false }
        queue.push(w)
        req.signal?.addEventListener(
          'abort',
          () => {
            if (w.done) return
            w.done = true
            reject(req.signal!.reason)
          },
          { once: true },
        )
        void pump()
      })
    },
    release(permit, usedTokens) {
      void release(permit, usedTokens)
    },
    inFlight: (endpoint) => inFlight.get(endpoint) ?? 0,
    // The adaptive limit found for an endpoint, one value for all workers: a worker that
    // joins later starts from it instead of probing from the bottom.
    async sharedLimit(endpoint) {
      const v = await redis.get(limitKey(endpoint))
      return v === null ? undefined : Number(v)
    },
    shareLimit(endpoint, limit) {
      redis.set(limitKey(endpoint), String(limit), 'PX', LIMIT_TTL_MS).catch(() => {})
    },
  }
}

/** A discovered limit unused this long is forgotten (the server may have changed). */
const LIMIT_TTL_MS = 10 * 60_000

/** The scope for a run's LLM settings: the same endpoints and rates share one budget. */
export function limiterScope(endpoints: readonly { url: string }[], rates: RateLimits): string {
  const ids = endpoints.map((e) => e.url).sort().join(',')
  return `${rates.rpm ?? 0}-${rates.tpm ?? 0}-${createHash('sha256').update(ids).digest('hex').slice(0, 12)}`
}
