import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { SimError } from '../../core/index.ts'
import type { RunStore } from '../../store/index.ts'
import { renderCard } from '../card.ts'
import type { ExportResult } from '../export-registry.ts'
import { writeJsonl } from '../jsonl.ts'

const ids = z.array(z.number().int())

/** One interaction-log row: an agent in a round. */
export const eventRecord = z.object({
  run_id: z.string(),
  round: z.number().int(),
  agent_id: z.number().int(),
  present: z.boolean(),
  returned: z.boolean(),
  slate: ids,
  clicks: ids,
  ratings: ids,
  satisfaction: z.number(),
  left: z.boolean(),
})
export type EventRecord = z.infer<typeof eventRecord>

const list = (s: string) => (s ? s.split(',').map(Number) : [])

/** The interaction log (the events table) as JSONL, streamed in (round, agent) order. */
export function writeEvents(store: RunStore, runId: string, outDir: string): ExportResult {
  const run = store.getRun(runId)
  const key = store.runKey(runId)
  const { n } = store.db.prepare('SELECT count(*) AS n FROM events WHERE run_key = ?').get(key) as { n: number }
  if (!n) throw new SimError('NO_DATA', `run ${runId} has no events; nothing written`)
  mkdirSync(outDir, { recursive: true })
  const files = [join(outDir, 'events.jsonl'), join(outDir, 'README.md')]
  const it = store.db
    .prepare('SELECT round, agent_id, present, returned, slate, clicks, ratings, satisfaction, left_session FROM events WHERE run_key = ? ORDER BY round, agent_id')
    .iterate(key) as Iterable<{ round: number; agent_id: number; present: number; returned: number; slate: string; clicks: string; ratings: string; satisfaction: number; left_session: number }>
  function* rows(): Iterable<EventRecord> {
    for (const r of it) {
      yield { run_id: runId, round: r.round, agent_id: r.agent_id, present: r.present === 1, returned: r.returned === 1, slate: list(r.slate), clicks: list(r.clicks), ratings: list(r.ratings), satisfaction: r.satisfaction, left: r.left_session === 1 }
    }
  }
  const written = writeJsonl(files[0]!, rows())
  writeFileSync(
    files[1]!,
    renderCard({
      title: `Interaction log of run ${runId}`,
      summary: 'One row per simulated user and round: the slate shown, the clicks and ratings, satisfaction and whether the user left.',
      run,
      format: 'events',
      models: [],
      filters: {},
      files: [{ name: 'events.jsonl', records: written, what: 'interaction rows in (round, agent) order' }],
      fields: {
        'run_id, round, agent_id': 'provenance and position',
        'present / returned / left': 'shown a slate this round / came back after leaving / left at the end of the round',
        slate: 'item ids shown, in order',
        'clicks, ratings': 'item ids opened and their 1–5 ratings (aligned)',
        satisfaction: 'the user\'s satisfaction after the round, 0–1',
      },
    }),
  )
  return { files, records: written }
}
