import { parentPort } from 'node:worker_threads'
import { batchBuffers, serializeError, type RecordingTaskRunner } from '../../core/index.ts'
import { createTaskRunner } from '../../llm/create-runner.ts'
import { attachCorrections, correctingRunner } from '../../correction/shard-runner.ts'
import { runShard } from '../run-shard.ts'
import { createShardEnv, type ShardEnv } from '../shard-env.ts'
import type { FromThread, ToThread } from './thread-protocol.ts'

// One shard thread: builds the world once, then runs the shards it is sent.
if (!parentPort) throw new Error('shard-thread must run in a worker thread')
const port = parentPort
const send = (m: FromThread) => port.postMessage(m)

let env: ShardEnv | undefined
let tasks: RecordingTaskRunner | undefined
let concurrency = 1
let snapshot: unknown
let queue: Promise<void> = Promise.resolve()

port.on('message', (msg: ToThread) => {
  // Messages are handled strictly in order, so a shard always sees its round's snapshot.
  queue = queue.then(() => handle(msg))
})

async function handle(msg: ToThread): Promise<void> {
  try {
    if (msg.type === 'init') {
      env = await createShardEnv(msg.config)
      tasks = correctingRunner(await createTaskRunner(msg.llm, { scenario: env.scenario }), msg.config, msg.llm)
      concurrency = msg.concurrency
      send({ type: 'ready' })
    } else if (msg.type === 'snapshot') {
      snapshot = msg.snapshot
    } else if (msg.type === 'shard') {
      if (!env || !tasks) throw new Error('shard before init')
      const result = attachCorrections(await runShard(env, snapshot, msg.input, tasks, { concurrency }), tasks)
      // The row columns move to the orchestrator without a copy.
      port.postMessage({ type: 'result', result } satisfies FromThread, batchBuffers(result.rows))
    }
  } catch (err) {
    send({ type: 'error', shard: msg.type === 'shard' ? msg.input.shard : null, error: serializeError(err) })
  }
}
