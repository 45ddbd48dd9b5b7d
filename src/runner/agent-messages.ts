import {
  MESSAGE_KINDS,
  MESSAGE_TEXT_MAX,
  MESSAGES_PER_STEP,
  SimError,
  type InboxMessage,
  type Message,
  type OutgoingMessage,
  type ShardInput,
} from '../core/index.ts'
import type { AgentRecord } from './agent-record.ts'

// How a shard's agents receive and send messages (docs/social.md): delivery of the inbox the
// orchestrator routed, and the checks and link changes of what a step asks to send.

/**
 * Hands each agent of the shard the messages addressed to it (in the canonical order
 * the orchestrator routed them in), and applies follows and unfollows to the
 * recipients' links, present or away: friendship is symmetric.
 */
export function deliver(input: ShardInput, records: AgentRecord[]): Map<number, InboxMessage[]> {
  const out = new Map<number, InboxMessage[]>()
  for (const m of input.inbox ?? []) {
    const { to, ...rest } = m
    for (const agent of to) {
      const k = agent - input.start
      if (k < 0 || k >= records.length) continue
      let list = out.get(k)
      if (!list) out.set(k, (list = []))
      list.push(rest)
      if (m.kind === 'follow') records[k] = relink(records[k]!, m.from, 'add')
      else if (m.kind === 'unfollow') records[k] = relink(records[k]!, m.from, 'drop')
    }
  }
  return out
}

/** A record with `other` added to or dropped from its friends (a copy; links stay small and sorted). */
function relink(rec: AgentRecord, other: number, how: 'add' | 'drop'): AgentRecord {
  const add = new Set(rec.links?.add ?? [])
  const drop = new Set(rec.links?.drop ?? [])
  if (how === 'add') {
    drop.delete(other)
    add.add(other)
  } else {
    add.delete(other)
    drop.add(other)
  }
  const links: NonNullable<AgentRecord['links']> = {}
  if (add.size) links.add = [...add].sort((a, b) => a - b)
  if (drop.size) links.drop = [...drop].sort((a, b) => a - b)
  return { ...rec, links }
}

/**
 * Checks what an agent asked to send and turns it into routed messages: shares,
 * recommendations and complaints go to friends (all of them by default), a follow to any
 * other agent, an unfollow to a friend. Follows and unfollows update the sender's links
 * now and the recipient's when delivered.
 */
export function outgoing(rec: AgentRecord, agent: number, round: number, asked: readonly OutgoingMessage[], friends: number[], agents: number, items: number): Message[] {
  const where = `agent ${agent} in round ${round}`
  if (asked.length > MESSAGES_PER_STEP) throw new SimError('SCENARIO_INVALID', `${where} sent ${asked.length} messages; at most ${MESSAGES_PER_STEP} per step`)
  const friendSet = new Set(friends)
  const out: Message[] = []
  for (const m of asked) {
    if (!MESSAGE_KINDS.includes(m.kind)) throw new SimError('SCENARIO_INVALID', `${where} sent a message of kind ${JSON.stringify(m.kind)}; expected one of ${MESSAGE_KINDS.join(', ')}`)
    if (m.item !== undefined && (!Number.isInteger(m.item) || m.item < 0 || m.item >= items)) throw new SimError('SCENARIO_INVALID', `${where} sent a message about item ${JSON.stringify(m.item)}, not in the catalog`)
    const social = m.kind === 'follow' || m.kind === 'unfollow'
    let to: number[]
    if (m.to === undefined) {
      if (social) throw new SimError('SCENARIO_INVALID', `${where} sent a ${m.kind} without a recipient`)
      to = friends
    } else {
      to = [...new Set(m.to)].sort((a, b) => a - b)
      for (const t of to) {
        if (!Number.isInteger(t) || t < 0 || t >= agents || t === agent) throw new SimError('SCENARIO_INVALID', `${where} sent a message to ${JSON.stringify(t)}, not another agent of the run`)
        if (m.kind !== 'follow' && !friendSet.has(t)) throw new SimError('SCENARIO_INVALID', `${where} sent a ${m.kind} to agent ${t}, who is not a friend`)
      }
    }
    if (!to.length) continue
    const msg: Message = { round, from: agent, to, kind: m.kind }
    if (m.item !== undefined) msg.item = m.item
    if (m.text !== undefined) msg.text = String(m.text).slice(0, MESSAGE_TEXT_MAX)
    if (m.kind === 'share' || m.kind === 'recommend') {
      msg.origin = Number.isInteger(m.origin) && m.origin! >= 0 && m.origin! < agents ? m.origin! : agent
      msg.depth = Number.isInteger(m.depth) && m.depth! >= 0 ? m.depth! : 0
    }
    out.push(msg)
    if (social) {
      let r = rec
      for (const t of to) r = relink(r, t, m.kind === 'follow' ? 'add' : 'drop')
      rec.links = r.links
    }
  }
  return out
}
