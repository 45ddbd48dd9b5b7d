import { messageCounts } from '../../social/messages-repo.ts'
import type { RunStore } from '../../store/index.ts'
import type { ShowSection } from './section.ts'

/** `usersim show` section: messages between users per round and kind (social runs only). */
export function socialSection(formatTable: (head: string[], rows: Array<Array<string | number>>) => string): ShowSection {
  return {
    title: 'Messages between users (see `usersim social` for cascades and echo chambers)',
    key: 'messages',
    collect: (store: RunStore, runId: string) => {
      const rows = messageCounts(store.db, store.runKey(runId))
      return rows.length ? rows : undefined
    },
    render: (d: unknown) => {
      const rows = d as ReturnType<typeof messageCounts>
      return formatTable(['round', 'kind', 'messages', 'deliveries'], rows.map((r) => [r.round, r.kind, r.messages, r.deliveries]))
    },
  }
}
