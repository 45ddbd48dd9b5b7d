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

/** Does the sorted list hold any id in [start, end). */
function firstAtLeast(xs: readonly number[], v: number): number {
  let lo = 0
  let hi = xs.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (xs[mid]! < v) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Splits a round's messages (in canonical order) into the inboxes of the given agent
 * ranges: each range gets the messages with a recipient in it, `to` cut to the range.
 * Order is kept, so every layout delivers the same messages in the same order.
 */
export function routeMessages(messages: readonly Message[], ranges: ReadonlyArray<readonly [number, number]>): Message[][] {
  const out: Message[][] = ranges.map(() => [])
  for (const m of messages) {
    for (let s = 0; s < ranges.length; s++) {
      const [start, end] = ranges[s]!
      const a = firstAtLeast(m.to, start)
      if (a >= m.to.length || m.to[a]! >= end) continue
      const b = firstAtLeast(m.to, end)
      out[s]!.push(a === 0 && b === m.to.length ? m : { ...m, to: m.to.slice(a, b) })
    }
  }
  return out
}

/** Sorts messages canonically: by sender, stable within a sender (the order it wrote them). */
export function canonicalOrder(messages: Message[]): Message[] {
  return messages.sort((a, b) => a.from - b.from)
}
