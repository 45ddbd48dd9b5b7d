import type { Message, MessageKind, ShardResult } from '../core/index.ts'
import type { CommitHook, Db } from '../store/index.ts'

/** Stores a shard's messages with the shard's commit, so they count once like its events. */
export const messagesCommitHook: CommitHook = {
  name: 'messages',
  commit: (db, run, result) => writeMessages(db, run.key, result),
}

function packIds(ids: readonly number[]): Buffer {
  const b = Buffer.alloc(ids.length * 4)
  for (let i = 0; i < ids.length; i++) b.writeInt32LE(ids[i]!, i * 4)
  return b
}

function unpackIds(b: Buffer): number[] {
  const out = new Array<number>(b.length / 4)
  for (let i = 0; i < out.length; i++) out[i] = b.readInt32LE(i * 4)
  return out
}

/** Writes a shard's messages (inside the commit transaction); `seq` orders a sender's messages within a round. */
export function writeMessages(db: Db, runKey: number, result: ShardResult): void {
  if (!result.messages?.length) return
  const ins = db.prepare(
    'INSERT OR REPLACE INTO messages (run_key, round, sender, seq, kind, item, origin, depth, recipients, to_ids, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  )
  let seq = 0
  let last = -1
  for (const m of result.messages) {
    seq = m.from === last ? seq + 1 : 0
    last = m.from
    ins.run(runKey, m.round, m.from, seq, m.kind, m.item ?? null, m.origin ?? null, m.depth ?? null, m.to.length, packIds(m.to), m.text ?? null)
  }
}

interface MessageRow {
  round: number
  sender: number
  kind: string
  item: number | null
  origin: number | null
  depth: number | null
  to_ids: Buffer
  text: string | null
}

function toMessage(r: MessageRow): Message {
  const m: Message = { round: r.round, from: r.sender, to: unpackIds(r.to_ids), kind: r.kind as MessageKind }
  if (r.item !== null) m.item = r.item
  if (r.text !== null) m.text = r.text
  if (r.origin !== null) m.origin = r.origin
  if (r.depth !== null) m.depth = r.depth
  return m
}

/** A run's messages in canonical order (round, sender, seq), optionally of one round only. */
export function* iterateMessages(db: Db, runKey: number, round?: number): Generator<Message> {
  const rows = (
    round === undefined
      ? db.prepare('SELECT round, sender, kind, item, origin, depth, to_ids, text FROM messages WHERE run_key = ? ORDER BY round, sender, seq').iterate(runKey)
      : db.prepare('SELECT round, sender, kind, item, origin, depth, to_ids, text FROM messages WHERE run_key = ? AND round = ? ORDER BY sender, seq').iterate(runKey, round)
  ) as Iterable<MessageRow>
  for (const r of rows) yield toMessage(r)
}

/** Does the run have any stored message. */
export function hasMessages(db: Db, runKey: number): boolean {
  return db.prepare('SELECT 1 FROM messages WHERE run_key = ? LIMIT 1').pluck().get(runKey) !== undefined
}

/** Messages and deliveries per round and kind (what `usersim show` lists). */
export function messageCounts(db: Db, runKey: number): Array<{ round: number; kind: string; messages: number; deliveries: number }> {
  return db
    .prepare('SELECT round, kind, count(*) AS messages, sum(recipients) AS deliveries FROM messages WHERE run_key = ? GROUP BY round, kind ORDER BY round, kind')
    .all(runKey) as Array<{ round: number; kind: string; messages: number; deliveries: number }>
}

/** Bytes the run's messages take in the database (payload columns), for the storage budget. */
export function messageBytes(db: Db, runKey: number): number {
  return (db.prepare('SELECT coalesce(sum(length(to_ids) + coalesce(length(text), 0) + 24), 0) FROM messages WHERE run_key = ?').pluck().get(runKey) as number) ?? 0
}
