import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { SimError } from '../../core/index.ts'
import { countEvents, iterateEvents, type RunStore } from '../../store/index.ts'
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
  carts: ids,
  orders: ids,
  gmv: z.number(),
  query: z.string(),
  reformulation: z.boolean(),
})
export type EventRecord = z.infer<typeof eventRecord>


/** The interaction log (the events table) as JSONL, streamed in (round, agent) order. */
export function writeEvents(store: RunStore, runId: string, outDir: string): ExportResult {
  const run = store.getRun(runId)
  if (!countEvents(store, runId)) throw new SimError('NO_DATA', `run ${runId} has no events; nothing written`)
  mkdirSync(outDir, { recursive: true })
  const files = [join(outDir, 'events.jsonl'), join(outDir, 'README.md')]
  function* rows(): Iterable<EventRecord> {
    for (const r of iterateEvents(store, runId)) {
      yield { run_id: runId, round: r.round, agent_id: r.agent, present: r.present, returned: r.returned, slate: r.slate, clicks: r.clicks, ratings: r.ratings, satisfaction: r.satisfaction, left: r.left, carts: r.carts, orders: r.orders, gmv: r.gmv, query: r.query, reformulation: r.reformulation }
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
        'carts, orders': 'item ids added to the cart (a subset of clicks) and bought (a subset of carts); empty off e-commerce catalogs',
        gmv: 'the value of the orders (catalog prices)',
        'query / reformulation': "the user's search query this round ('' when browsing) / whether it reformulates the previous query",
      },
    }),
  )
  return { files, records: written }
}
