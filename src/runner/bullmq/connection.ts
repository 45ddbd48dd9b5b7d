import { Redis, type RedisOptions } from 'ioredis'
import { SimError } from '../../core/index.ts'


/** Where tests and the CLI look for Redis when no URL is given. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'

/**
 * Checks a Redis URL (`redis://[user:pass@]host[:port][/db]` or `rediss://` for TLS) and
 * returns it unchanged; a bad one is a USAGE error that never echoes the password.
 */
export function checkRedisUrl(url: string, flag = '--redis'): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new SimError('USAGE', `${flag} must be a URL like redis://host:6379 or rediss://:password@host:6380 (got "${redactRedisUrl(url)}")`)
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new SimError('USAGE', `${flag} must start with redis:// or rediss:// (TLS) (got "${redactRedisUrl(url)}")`)
  }
  if (!parsed.hostname) throw new SimError('USAGE', `${flag} has no host (got "${redactRedisUrl(url)}")`)
  if (parsed.pathname.length > 1 && !/^\/\d+$/.test(parsed.pathname)) {
    throw new SimError('USAGE', `${flag}: the path must be a database number like /0 (got "${parsed.pathname}")`)
  }
  return url
}

/** The URL with any password replaced, for messages and logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_m, scheme: string, auth: string) => {
    const colon = auth.indexOf(':')
    return colon < 0 ? `${scheme}***@` : `${scheme}${auth.slice(0, colon)}:***@`
  })
}

/**
 * A connection for BullMQ and our own keys. ioredis reads the password, the database
 * and TLS (`rediss://`) from the URL; BullMQ needs `maxRetriesPerRequest: null` so a
 * restart of Redis makes commands wait for the reconnect instead of failing.
 * Extra CAs for TLS come from NODE_EXTRA_CA_CERTS, which Node honours everywhere.
 */
export function redisConnection(url: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    // Reconnect quickly at first, then every 2 s: Redis restarts take about a second.
    retryStrategy: (times) => Math.min(100 * times, 2000),
    ...options,
  })
  // Errors surface through the commands that fail; an unhandled 'error' event would crash.
  redis.on('error', () => {})
  return redis
}

/**
 * Waits for Redis to answer a PING, or fails clearly after about `seconds`. Time is counted
 * in 100 ms ticks of this process's event loop, not by the clock: a caller that blocks the
 * loop (launchRun writes personas while the executor connects) must not turn a prompt
 * answer into a timeout.
 */
export async function waitReachable(redis: Redis, where: string, seconds = 15): Promise<void> {
  let last: Error | undefined
  const onError = (e: Error) => (last = e)
  redis.on('error', onError)
  let answered = false
  let failed: unknown
  redis.ping().then(() => (answered = true), (e: unknown) => (failed = e))
  try {
    for (let tick = 0; tick < seconds * 10 && !answered && failed === undefined; tick++) await new Promise((r) => setTimeout(r, 100))
  } finally {
    redis.off('error', onError)
  }
  if (answered) return
  redis.disconnect()
  const why = last?.message ?? (failed as Error | undefined)?.message ?? `no answer in ${seconds} s`
  throw new SimError('STORE_UNAVAILABLE', `cannot reach Redis at ${where}: ${why}`)
}
