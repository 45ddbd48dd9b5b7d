import type { Command } from 'commander'
import { z } from 'zod'
import { checkRedisUrl, DEFAULT_ADDRESS, DEFAULT_REDIS_URL } from '../../runner/bullmq/index.ts'
import { runShardWorker } from '../../../workers/shard-worker.ts'
import { intFlag, parseFlags } from '../flags.ts'

const workerFlags = z.object({
  redis: z.string().optional(),
  concurrency: intFlag('--concurrency', 1, 1000),
  queue: z.string().min(1).default(DEFAULT_ADDRESS.queue),
  prefix: z.string().min(1).default(DEFAULT_ADDRESS.prefix),
  lockDuration: intFlag('--lock-duration', 1000, 3_600_000),
  stalledInterval: intFlag('--stalled-interval', 500, 3_600_000),
  maxStalled: intFlag('--max-stalled', 0, 100),
})

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run shard jobs of distributed runs (`npx usersim run --redis`) from a Redis server, until SIGTERM')
    .option('--redis <url>', `Redis URL: redis://[:password@]host:port[/db] or rediss:// for TLS (default: $REDIS_URL or ${DEFAULT_REDIS_URL}, as \`run --redis\`)`)
    .option('--concurrency <n>', 'shard jobs at once in this process (default 1; raise it with a model backend)')
    .option('--queue <name>', 'queue name (must match the orchestrator\'s)', DEFAULT_ADDRESS.queue)
    .option('--prefix <prefix>', 'Redis key prefix (must match the orchestrator\'s)', DEFAULT_ADDRESS.prefix)
    .option('--lock-duration <ms>', 'a job not heard of for this long is given to another worker (default 30000)')
    .option('--stalled-interval <ms>', 'how often to look for jobs of dead workers (default 15000)')
    .option('--max-stalled <n>', 'times a job may be recovered from a dead worker before it fails (default 2)')
    .action(async (raw: Record<string, unknown>) => {
      const flags = parseFlags(workerFlags, raw)
      // The same default as a bare `run --redis`, so the two meet without flags.
      const redis = flags.redis ?? (process.env.REDIS_URL || DEFAULT_REDIS_URL)
      await runShardWorker({
        redis: checkRedisUrl(redis, flags.redis ? '--redis' : process.env.REDIS_URL ? 'REDIS_URL' : 'the default Redis URL'),
        concurrency: flags.concurrency,
        address: { queue: flags.queue, prefix: flags.prefix },
        lockDurationMs: flags.lockDuration,
        stalledIntervalMs: flags.stalledInterval,
        maxStalledCount: flags.maxStalled,
      })
    })
}
