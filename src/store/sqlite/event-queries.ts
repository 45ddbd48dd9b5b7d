import type { Interaction } from '../../core/index.ts'
import type { RunStore } from './run-store.ts'

/** One stored event row (an agent in a round), its id lists decoded. */
export interface EventRow {
  round: number
  agent: number
  present: boolean
  returned: boolean
  slate: number[]
  clicks: number[]
  ratings: number[]
  satisfaction: number
  left: boolean
  /** Items added to the cart (a subset of clicks) and ordered (a subset of carts). */
  carts: number[]
  orders: number[]
  gmv: number
  /** The search query of this request ('' when the user browsed) and whether it reformulates the previous one. */
  query: string
  reformulation: boolean
}

const ids = (csv: string) => (csv ? csv.split(',').map(Number) : [])

interface RawEvent {
  round: number
  agent_id: number
  present: number
  returned: number
  slate: string
  clicks: string
  ratings: string
  satisfaction: number
  left_session: number
  carts: string
  orders: string
  gmv: number
  query: string
  reformulation: number
}

const toEvent = (r: RawEvent): EventRow => ({
  round: r.round,
  agent: r.agent_id,
  present: r.present === 1,
  returned: r.returned === 1,
  slate: ids(r.slate),
  clicks: ids(r.clicks),
  ratings: ids(r.ratings),
  satisfaction: r.satisfaction,
  left: r.left_session === 1,
  carts: ids(r.carts),
  orders: ids(r.orders),
  gmv: r.gmv,
  query: r.query,
  reformulation: r.reformulation === 1,
})

const COLUMNS = 'round, agent_id, present, returned, slate, clicks, ratings, satisfaction, left_session, carts, orders, gmv, query, reformulation'

/** Number of event rows of a run. */
export function countEvents(store: RunStore, runId: string): number {
  return store.db.prepare('SELECT count(*) FROM events WHERE run_key = ?').pluck().get(store.runKey(runId)) as number
}

/** A run's events in (round, agent) order, streamed. */
export function* iterateEvents(store: RunStore, runId: string): Iterable<EventRow> {
  const it = store.db.prepare(`SELECT ${COLUMNS} FROM events WHERE run_key = ? ORDER BY round, agent_id`).iterate(store.runKey(runId)) as Iterable<RawEvent>
  for (const r of it) yield toEvent(r)
}

/** One agent's event of one round, or undefined. */
export function agentEvent(store: RunStore, runId: string, round: number, agent: number): EventRow | undefined {
  const r = store.db.prepare(`SELECT ${COLUMNS} FROM events WHERE run_key = ? AND round = ? AND agent_id = ?`).get(store.runKey(runId), round, agent) as RawEvent | undefined
  return r && toEvent(r)
}

/** What the policy learned from in a round: every present agent's slate, clicks and ratings, in agent order. */
export function roundInteractions(store: RunStore, runId: string, round: number): Interaction[] {
  const rows = store.db
    .prepare('SELECT agent_id, slate, clicks, ratings, carts, orders, query FROM events WHERE run_key = ? AND round = ? AND present = 1 ORDER BY agent_id')
    .raw()
    .all(store.runKey(runId), round) as [number, string, string, string, string, string, string][]
  return rows.map(([agent, slate, clicks, ratings, carts, orders, query]) => {
    const i: Interaction = { agent, slate: ids(slate), clicks: ids(clicks), ratings: ids(ratings) }
    // Only what the run has: feed runs learn from exactly what they learned from before.
    if (carts) {
      i.carts = ids(carts)
      i.orders = ids(orders)
    }
    if (query) i.query = query
    return i
  })
}

/** Per agent: mean satisfaction over the rounds it was present, and how many. */
export function presentSatisfaction(store: RunStore, runId: string): { agent: number; score: number; rounds: number }[] {
  return (
    store.db
      .prepare('SELECT agent_id, avg(satisfaction) AS score, count(*) AS rounds FROM events WHERE run_key = ? AND present = 1 GROUP BY agent_id')
      .all(store.runKey(runId)) as { agent_id: number; score: number; rounds: number }[]
  ).map((r) => ({ agent: r.agent_id, score: r.score, rounds: r.rounds }))
}

/** What agents said, optionally of one kind, in (round, agent) order. */
export function utterancesOf(store: RunStore, runId: string, where: { round?: number; agent?: number; kind?: string } = {}): { round: number; agent: number; kind: string; text: string }[] {
  const conds = ['run_id = ?']
  const args: unknown[] = [runId]
  if (where.round !== undefined) (conds.push('round = ?'), args.push(where.round))
  if (where.agent !== undefined) (conds.push('agent_id = ?'), args.push(where.agent))
  if (where.kind !== undefined) (conds.push('kind = ?'), args.push(where.kind))
  return (store.db.prepare(`SELECT round, agent_id, kind, text FROM utterances WHERE ${conds.join(' AND ')} ORDER BY round, agent_id, rowid`).all(...args) as { round: number; agent_id: number; kind: string; text: string }[]).map(
    (r) => ({ round: r.round, agent: r.agent_id, kind: r.kind, text: r.text }),
  )
}

/** Agents whose shards of a round are committed (a round in progress). */
export function agentsCommitted(store: RunStore, runId: string, round: number): number {
  return store.db.prepare('SELECT coalesce(sum(end_agent - start_agent), 0) FROM shard_commits WHERE run_id = ? AND round = ?').pluck().get(runId, round) as number
}
