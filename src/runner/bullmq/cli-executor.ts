import { type RunConfig } from '../../config/index.ts'
import type { ShardExecutor } from '../executor.ts'
import { checkRedisUrl, DEFAULT_REDIS_URL } from './connection.ts'
import { bullmqExecutor } from './executor.ts'

/**
 * What `usersim run --redis [url]` hands to `launchRun`: undefined without the flag (an
 * in-process run). A bare `--redis` takes REDIS_URL, then redis://127.0.0.1:6379. REDIS_URL
 * alone never switches a run to Redis: CI sets it for the tests, and a run that silently
 * waited for workers nobody started would be worse than a flag to type.
 */
export function distributedExecutorFromFlag(
  flag: string | boolean | undefined,
  opts: { concurrency?: number; notice?: (message: string) => void } = {},
): ((config: RunConfig) => Promise<ShardExecutor>) | undefined {
  if (flag === undefined || flag === false) return undefined
  const url = flag === true ? process.env.REDIS_URL || DEFAULT_REDIS_URL : flag
  checkRedisUrl(url, flag === true && process.env.REDIS_URL ? 'REDIS_URL' : '--redis')
  const notice = opts.notice ?? ((m: string) => process.stderr.write(`\nusersim: ${m}\n`))
  return (config) => bullmqExecutor({ redis: url, config, concurrency: opts.concurrency, onNotice: notice })
}
