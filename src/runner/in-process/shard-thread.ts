import { parentPort } from 'node:worker_threads'
import { batchBuffers, serializeError } from '../../core/index.ts'
import { createShardHost, type ShardHost } from '../shard-host.ts'
import { loadShardExtensions } from '../shard-extension.ts'
import { shardLanes } from './shard-lanes.ts'
import type { FromThread, ToThread } from './thread-protocol.ts'

// One shard thread: builds its shard host once, then runs the shards it is sent.
if (!parentPort) throw new Error('shard-thread must run in a worker thread')
const port = parentPort
const send = (m: FromThread) => port.postMessage(m)

let host: ShardHost | undefined
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
      const extensions = await loadShardExtensions(msg.shardExtensions)
      host = await createShardHost({ config: msg.config, llm: msg.llm, concurrency: msg.concurrency, extensions })
      lanes = shardLanes(msg.llm ?? msg.config.llm)
      send({ type: 'ready' })
    } else if (msg.type === 'snapshot') {
      snapshot = msg.snapshot
    } else if (msg.type === 'shard') {
      if (!host) throw new Error('shard before init')
      const result = await host.run(snapshot, msg.input)
      // The row columns move to the orchestrator without a copy.
      port.postMessage({ type: 'result', result } satisfies FromThread, batchBuffers(result.rows))
    }
  } catch (err) {
    send({ type: 'error', shard: msg.type === 'shard' ? msg.input.shard : null, error: serializeError(err) })
  }
}
