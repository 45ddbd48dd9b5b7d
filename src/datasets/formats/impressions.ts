import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { anchorSnapshot, anchorsFor, countAnchors, EMPTY_ANCHORS, SimError, type AnchorCounts, type Anchors, type Interaction } from '../../core/index.ts'
import { createShardEnv } from '../../runner/index.ts'
import { countEvents, iterateEvents, type EventRow, type RunStore } from '../../store/index.ts'
import { renderCard } from '../card.ts'
import type { ExportResult } from '../export-registry.ts'
import { writeJsonl } from '../jsonl.ts'

/** Items of history per request: what an AILO user's policy saw (its memory window). */
const HISTORY = 20
const DEFAULT_ANCHORS_K = 5

const ids = z.array(z.number().int().nonnegative())

/** One request of `impressions.jsonl`: who asked what, with which context, what was shown and how far each item went. */
export const impressionRecord = z.object({
  request_id: z.string(),
  run_id: z.string(),
  ts: z.number().int().describe('the round (the day)'),
  user_id: z.number().int(),
  query: z.string(),
  reformulation: z.boolean(),
  history: ids,
  anchors: z.object({ purchased: ids, clicked: ids, impressed: ids }),
  items: ids,
  positions: ids,
  exposed: z.array(z.literal(1)),
  clicked: z.array(z.union([z.literal(0), z.literal(1)])),
  carted: z.array(z.union([z.literal(0), z.literal(1)])),
  ordered: z.array(z.union([z.literal(0), z.literal(1)])),
})
export type ImpressionRecord = z.infer<typeof impressionRecord>

/**
 * `impressions`: one row per request (an agent shown a page in a round) with the user, the
 * query, the history and the preference anchors the policy had, the items shown with their
 * positions, and impression/click/cart/order labels: what a OnePiece-style trainer reads
 * (docs/search.md). Anchors are rebuilt with the run's own code (`countAnchors`,
 * `anchorSnapshot`) from the rounds before each request, exactly as the policy got them.
 */
export async function writeImpressions(store: RunStore, runId: string, outDir: string): Promise<ExportResult> {
  if (!countEvents(store, runId)) throw new SimError('NO_DATA', `run ${runId} has no events; nothing written`)
  const run = store.getRun(runId)
  const env = await createShardEnv(run.config, 1)
  const k = env.scenario.search?.anchorsK ?? DEFAULT_ANCHORS_K
  mkdirSync(outDir, { recursive: true })
  const files = ['impressions.jsonl', 'funnel.csv', 'items.csv', 'card.json', 'README.md'].map((f) => join(outDir, f))
  const counts: AnchorCounts = new Map()
  const histories = new Map<number, number[]>()
  const fd = openSync(files[1]!, 'w')
  let csv = 'request_id,ts,user_id,query,item_id,position,exposed,clicked,carted,ordered\n'
  let impressions = 0
  let searches = 0
  const flush = (force: boolean) => {
    if (csv.length > 1 << 20 || (force && csv)) {
      writeSync(fd, csv)
      csv = ''
    }
  }
  function* rows(): Iterable<ImpressionRecord> {
    let round = -1
    let snapshot: Record<string, Anchors> = {}
    let pending: Interaction[] = []
    let pendingClicks: EventRow[] = []
    const closeRound = () => {
      // The round is over: its requests count for the anchors of the next rounds, its clicks join the histories.
      countAnchors(counts, pending)
      for (const e of pendingClicks) {
        const h = histories.get(e.agent) ?? []
        h.push(...e.clicks)
        histories.set(e.agent, h.slice(-HISTORY))
      }
      pending = []
      pendingClicks = []
    }
    for (const e of iterateEvents(store, runId)) {
      if (e.round !== round) {
        closeRound()
        round = e.round
        snapshot = anchorSnapshot(counts, k)
      }
      if (!e.present) continue
      const clicks = new Set(e.clicks)
      const carts = new Set(e.carts)
      const orders = new Set(e.orders)
      const rec: ImpressionRecord = {
        request_id: `${e.round}-${e.agent}`,
        run_id: runId,
        ts: e.round,
        user_id: e.agent,
        query: e.query,
        reformulation: e.reformulation,
        history: [...(histories.get(e.agent) ?? [])],
        anchors: e.query ? anchorsFor(snapshot, e.query) : EMPTY_ANCHORS,
        items: e.slate,
        positions: e.slate.map((_, j) => j),
        exposed: e.slate.map(() => 1 as const),
        clicked: e.slate.map((i) => (clicks.has(i) ? 1 : 0)),
        carted: e.slate.map((i) => (carts.has(i) ? 1 : 0)),
        ordered: e.slate.map((i) => (orders.has(i) ? 1 : 0)),
      }
      if (e.query) searches++
      const q = /[",\n\r]/.test(e.query) ? `"${e.query.replace(/"/g, '""')}"` : e.query
      e.slate.forEach((item, j) => {
        csv += `${rec.request_id},${e.round},${e.agent},${q},${item},${j},1,${rec.clicked[j]},${rec.carted[j]},${rec.ordered[j]}\n`
        impressions++
      })
      flush(false)
      const it: Interaction = { agent: e.agent, slate: e.slate, clicks: e.clicks, ratings: e.ratings }
      if (e.carts.length) {
        it.carts = e.carts
        it.orders = e.orders
      }
      if (e.query) it.query = e.query
      pending.push(it)
      if (e.clicks.length) pendingClicks.push(e)
      yield rec
    }
  }
  let requests: number
  try {
    requests = writeJsonl(files[0]!, rows())
    flush(true)
  } finally {
    closeSync(fd)
  }
  const field = (s: string | number) => (/[",\n\r]/.test(String(s)) ? `"${String(s).replace(/"/g, '""')}"` : String(s))
  writeFileSync(files[2]!, 'item_id,title,category,tags,price\n' + env.catalog.items.map((it) => [it.id, it.title, it.category, it.tags.join(' '), it.price].map(field).join(',') + '\n').join(''))
  const card = { format: 'impressions', run_id: runId, seed: run.seed, users: run.config.agents, items: env.catalog.items.length, requests, searches, impressions, anchors_k: k, history: HISTORY, rounds: run.config.rounds }
  writeFileSync(files[3]!, JSON.stringify(card, null, 2) + '\n')
  writeFileSync(
    files[4]!,
    renderCard({
      title: `Impression log of run ${runId}`,
      summary:
        'One row per request with the context a personalised search ranker reads (OnePiece: interaction history, preference anchors, user and query tokens) and impression → click → cart → order labels per shown item; see docs/search.md.',
      run,
      format: 'impressions',
      models: [],
      filters: { anchorsK: k, history: HISTORY },
      files: [
        { name: 'impressions.jsonl', records: requests, what: 'one row per request (an agent shown a page in a round), in (round, user) order' },
        { name: 'funnel.csv', records: impressions, what: 'the same, one row per shown item: request_id, ts, user_id, query, item_id, position, exposed, clicked, carted, ordered' },
        { name: 'items.csv', records: env.catalog.items.length, what: 'item_id, title, category, tags (space-separated), price' },
        { name: 'card.json', records: 1, what: 'counts, anchors_k, history length' },
      ],
      fields: {
        request_id: '"<round>-<user>": one request per user and round',
        ts: 'the round; anchors are daily snapshots, one per round',
        'user_id, query, reformulation': "the agent, its query ('' when it browsed) and whether it rewrites its previous query after a page with no click",
        history: 'items the user clicked before this request, oldest first, at most 20 (the policy saw the same)',
        anchors: 'top-k items ordered (purchased), clicked and shown (impressed) for the same normalised query in rounds strictly before this one',
        'items, positions': 'the page shown, best first, and the 0-based positions',
        'exposed, clicked, carted, ordered': 'labels aligned with items (exposed is always 1: every shown item was an impression)',
      },
      notes: ['No label of a request can reach its own anchors or history: both are built from earlier rounds only.'],
    }),
  )
  return { files, records: requests }
}
