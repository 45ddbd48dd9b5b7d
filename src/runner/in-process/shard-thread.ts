import { parentPort } from 'node:worker_threads'
import { batchBuffers, serializeError, type RecordingTaskRunner } from '../../core/index.ts'
import { createTaskRunner } from '../../llm/create-runner.ts'
import { attachCorrections, correctingRunner } from '../../correction/shard-runner.ts'
import { runShard } from '../run-shard.ts'
import { createShardEnv, type ShardEnv } from '../shard-env.ts'
import { shardLanes } from './shard-lanes.ts'
import type { FromThread, ToThread } from './thread-protocol.ts'

// One shard thread: builds the world once, then runs the shards it is sent.
if (!parentPort) throw new Error('shard-thread must run in a worker thread')
const port = parentPort
const send = (m: FromThread) => port.postMessage(m)

let env: ShardEnv | undefined
let tasks: RecordingTaskRunner | undefined
let concurrency = 1
let lanes = 1
let snapshot: unknown
let queue: Promise<void> = Promise.resolve()
const running = new Set<Promise<void>>()

port.on('message', (msg: ToThread) => {
  // Messages are taken strictly in order, so a shard always sees its round's snapshot.
  queue = queue.then(() => dispatch(msg))
})

/** Up to `lanes` shards run at once (see shardLanes); anything else waits for them. */
async function dispatch(msg: ToThread): Promise<void> {
  if (msg.type === 'shard' && lanes > 1) {
    while (running.size >= lanes) await Promise.race(running)
    const p: Promise<void> = handle(msg).finally(() => running.delete(p))
    running.add(p)
    return
  }
  await Promise.all(running)
  await handle(msg)
}

async function handle(msg: ToThread): Promise<void> {
  try {
    if (msg.type === 'init') {
      env = await createShardEnv(msg.config)
      tasks = correctingRunner(await createTaskRunner(msg.llm, { scenario: env.scenario }), msg.config, msg.llm)
      concurrency = msg.concurrency
      lanes = shardLanes(msg.llm)
      send({ type: 'ready' })
    } else if (msg.type === 'snapshot') {
      snapshot = msg.snapshot
    } else if (msg.type === 'shard') {
      if (!env || !tasks) throw new Error('shard before init')
      // Shards running side by side each drain their own call records.
      const own = lanes > 1 && tasks.fork ? (tasks.fork() as typeof tasks) : tasks
      const result = attachCorrections(await runShard(env, snapshot, msg.input, own, { concurrency }), own)
      // The row columns move to the orchestrator without a copy.
      port.postMessage({ type: 'result', result } satisfies FromThread, batchBuffers(result.rows))
    }
  } catch (err) {
    send({ type: 'error', shard: msg.type === 'shard' ? msg.input.shard : null, error: serializeError(err) })
  }
}
