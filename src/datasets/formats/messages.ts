import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SimError } from '../../core/index.ts'
import { hasMessages, iterateMessages } from '../../social/messages-repo.ts'
import type { RunStore } from '../../store/index.ts'
import { renderCard } from '../card.ts'
import type { ExportResult } from '../export-registry.ts'
import { writeJsonl } from '../jsonl.ts'

/** The messages between agents (social runs) as JSONL, in canonical order (round, sender, seq). */
export function writeMessagesExport(store: RunStore, runId: string, outDir: string): ExportResult {
  const run = store.getRun(runId)
  const key = store.runKey(runId)
  if (!hasMessages(store.db, key)) throw new SimError('NO_DATA', `run ${runId} has no messages between agents (a scenario with a social layer has them, e.g. social-feed); nothing written`)
  mkdirSync(outDir, { recursive: true })
  const files = [join(outDir, 'messages.jsonl'), join(outDir, 'README.md')]
  function* rows() {
    for (const m of iterateMessages(store.db, key)) {
      yield { run_id: runId, round: m.round, from: m.from, to: m.to, kind: m.kind, item: m.item ?? null, text: m.text ?? null, origin: m.origin ?? null, depth: m.depth ?? null }
    }
  }
  const written = writeJsonl(files[0]!, rows())
  writeFileSync(
    files[1]!,
    renderCard({
      title: `Messages between the users of run ${runId}`,
      summary: 'One row per message a simulated user sent to others: shares of items with a comment, recommendations, complaints, follows and unfollows. A message sent in round r was delivered in round r + 1.',
      run,
      format: 'messages',
      models: [],
      filters: {},
      files: [{ name: 'messages.jsonl', records: written, what: 'messages in (round, sender) order' }],
      fields: {
        'run_id, round': 'provenance; the round the message was sent in',
        'from, to': 'sender id and recipient ids (ascending)',
        kind: 'share | recommend | complain | follow | unfollow',
        'item, text': 'the item shared or complained about and the comment (null when none)',
        'origin, depth': 'shares: who started the chain and how many hops from them (cascades)',
      },
    }),
  )
  return { files, records: written }
}
