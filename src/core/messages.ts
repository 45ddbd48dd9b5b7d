import { z } from 'zod'

/**
 * Messages between agents, delivered in supersteps (as in Pregel): what an agent sends in
 * round r reaches its recipients at the start of round r + 1, in canonical order (by
 * sender id, then the order the sender wrote them), whatever the shard, thread or worker
 * layout. The orchestrator routes them; the store keeps them (src/social/messages-repo.ts).
 */
export const MESSAGE_KINDS = ['share', 'recommend', 'complain', 'follow', 'unfollow'] as const
export type MessageKind = (typeof MESSAGE_KINDS)[number]

/** Longest message text kept (longer texts are cut). */
export const MESSAGE_TEXT_MAX = 280
/** Most messages one agent may send in one step. */
export const MESSAGES_PER_STEP = 8

/** A message as routed and stored: one sender, its recipients in ascending order. */
export interface Message {
  round: number
  from: number
  to: number[]
  kind: MessageKind
  /** The item shared, recommended or complained about. */
  item?: number
  text?: string
  /** Who started the chain a share belongs to (the sender itself for a first-hand share). */
  origin?: number
  /** Hops from the origin: 0 for a first-hand share. */
  depth?: number
}

/** What an agent finds in its inbox: one message addressed to it. */
export type InboxMessage = Omit<Message, 'to'>

/** What an agent's step asks to send; `to` defaults to all its neighbours. */
export interface OutgoingMessage {
  kind: MessageKind
  to?: number[]
  item?: number
  text?: string
  origin?: number
  depth?: number
}

const id = z.number().int().nonnegative()
export const messageSchema = z.object({
  round: id,
  from: id,
  to: z.array(id),
  kind: z.enum(MESSAGE_KINDS),
  item: id.optional(),
  text: z.string().max(MESSAGE_TEXT_MAX).optional(),
  origin: id.optional(),
  depth: id.optional(),
})
export const messagesSchema = z.array(messageSchema)

/** The index of the range holding `id` (ranges contiguous and ascending), or -1. */
function rangeOf(ranges: ReadonlyArray<readonly [number, number]>, id: number): number {
  let lo = 0
  let hi = ranges.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const [start, end] = ranges[mid]!
    if (id < start) hi = mid - 1
    else if (id >= end) lo = mid + 1
    else return mid
  }
  return -1
}

/**
 * Splits a round's messages (in canonical order) into the inboxes of the given agent
 * ranges (contiguous, ascending): each range gets the messages with a recipient in it,
 * `to` cut to the range. Order is kept, so every layout delivers the same messages in the
 * same order. One pass over each message's recipients: O(deliveries + messages × log ranges).
 */
export function routeMessages(messages: readonly Message[], ranges: ReadonlyArray<readonly [number, number]>): Message[][] {
  const out: Message[][] = ranges.map(() => [])
  for (const m of messages) {
    const to = m.to
    let j = 0
    while (j < to.length) {
      const s = rangeOf(ranges, to[j]!)
      if (s < 0) {
        j++
        continue
      }
      const end = ranges[s]![1]
      let k = j + 1
      while (k < to.length && to[k]! < end) k++
      out[s]!.push(j === 0 && k === to.length ? m : { ...m, to: to.slice(j, k) })
      j = k
    }
  }
  return out
}

/** Sorts messages canonically: by sender, stable within a sender (the order it wrote them). */
export function canonicalOrder(messages: Message[]): Message[] {
  return messages.sort((a, b) => a.from - b.from)
}
