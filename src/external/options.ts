import { z } from 'zod'

/**
 * Options of an external policy (`--set policy.KEY=VALUE`, or `externalPolicy(url, {...})`
 * in a scenario). Plain data stored with the run: an auth token is never among them, only
 * the name of the environment variable that holds it.
 */
export const externalPolicyOptions = z
  .object({
    /** Timeout of one HTTP attempt, in ms. */
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    /** Attempts per request: the first try plus retries on timeouts, network errors, 429 and 5xx. */
    attempts: z.number().int().min(1).max(20).default(5),
    /** First wait before a retry, doubled each time (capped at 10 s). */
    backoffMs: z.number().int().min(1).max(60_000).default(250),
    /** Most users per /recommend request (a server's own `maxBatch` lowers it). */
    batchSize: z.number().int().min(1).max(100_000).default(256),
    /** /recommend requests in flight per shard. */
    concurrency: z.number().int().min(1).max(256).default(4),
    /** Name of an environment variable whose value is sent as `Authorization: Bearer <value>`. */
    authEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
  })
  .strict()
export type ExternalPolicyOptions = z.output<typeof externalPolicyOptions>

/** Is a policy name a URL (an external policy)? */
export function isPolicyUrl(name: string): boolean {
  return /^https?:\/\//i.test(name)
}

/** The URL with any credentials cut out (they never reach logs or messages). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.username || u.password) {
      u.username = ''
      u.password = ''
    }
    return u.toString().replace(/\/$/, '')
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//')
  }
}
