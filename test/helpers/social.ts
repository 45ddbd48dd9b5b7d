import { createHash } from 'node:crypto'
import { iterateMessages } from '../../src/social/messages-repo.ts'
import { RunStore } from '../../src/store/index.ts'

/** The events hash and a hash of every stored message (canonical order) of a run. */
export function socialHashes(db: string, runId: string): { events: string; messages: string; count: number } {
  const store = new RunStore(db)
  try {
    const h = createHash('sha256')
    let count = 0
    for (const m of iterateMessages(store.db, store.runKey(runId))) {
      h.update(JSON.stringify(m) + '\n')
      count++
    }
    return { events: store.eventsHash(runId), messages: h.digest('hex'), count }
  } finally {
    store.close()
  }
}
