import { shardExtensions } from '../src/extensions/shard.ts'
import { startShardWorker, type ShardWorkerOptions } from '../src/runner/bullmq/index.ts'

/**
 * The `usersim worker` process: serve shard jobs until told to stop, with the same shard
 * extensions (critics) as in-process shards, so results do not depend on where a shard ran.
 * SIGTERM (or a first Ctrl-C) finishes the jobs in hand, then exits; their locks are
 * released cleanly. A second Ctrl-C exits at once: the jobs in hand are recovered by
 * another worker once their lock expires.
 */
export async function runShardWorker(opts: ShardWorkerOptions): Promise<void> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`usersim worker: ${line}\n`))
  const handle = await startShardWorker({ shardExtensions, ...opts, log })
  let stopping = false
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      if (stopping) {
        log(`${signal} again: exiting now; the jobs in hand go to another worker`)
        process.exit(130)
      }
      stopping = true
      log(`${signal}: finishing the jobs in hand, then exiting${signal === 'SIGINT' ? ' (Ctrl-C again to exit now)' : ''}`)
      void handle.close().then(resolve, resolve)
    }
    process.on('SIGTERM', () => stop('SIGTERM'))
    process.on('SIGINT', () => stop('SIGINT'))
  })
  log('stopped')
}
