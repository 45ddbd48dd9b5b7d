import type { InboxMessage, Item, OutgoingMessage, Persona, Rng, StepContext } from '../../../src/core/index.ts'

/** Knobs of word of mouth (docs/social.md). */
export interface WordOfMouthOptions {
  /** The most a friends' share can add to an item's perceived utility (before the sigmoid). */
  influence: number
  /** Trust in a friend never heard from, in [0, 1]. */
  trust0: number
  /** Base chance of sharing a well-rated item (scaled by persona and satisfaction). */
  shareRate: number
  /** Friends' items shown beside the slate. */
  maxShared: number
  /** Trust below which a user unfollows a friend who shared something it disliked. */
  unfollowBelow: number
}

export const WORD_OF_MOUTH_DEFAULTS: WordOfMouthOptions = { influence: 0.5, trust0: 0.5, shareRate: 0.35, maxShared: 3, unfollowBelow: 0.2 }

/** What the AILO user keeps of its friends (bounded; absent until a friend mattered). */
export interface SocialMemory {
  /** Trust per friend id (at most TRUST_KEPT friends, the most recently heard). */
  trust: Record<string, number>
  /** The round of the last step (the counts below are that round's). */
  round: number
  friendClicks: number
  shared: number
}

const TRUST_KEPT = 16

/** A friend's item beside the slate: who shared it first, how many friends did, and the chain it belongs to. */
export interface SharedItem {
  item: Item
  from: number
  friends: number
  comment: string
  origin: number
  depth: number
}

export function trustIn(memory: SocialMemory | undefined, friend: number, o: WordOfMouthOptions): number {
  return memory?.trust[friend] ?? o.trust0
}

/**
 * Friends' shares of items not on the slate and not consumed yet, one entry per item
 * (first sender in canonical order), most-shared first, at most `maxShared`.
 */
export function sharedItems(inbox: readonly InboxMessage[], slate: readonly number[], recent: readonly number[], items: readonly Item[], o: WordOfMouthOptions): SharedItem[] {
  if (!inbox.length) return []
  const byItem = new Map<number, SharedItem>()
  for (const m of inbox) {
    if ((m.kind !== 'share' && m.kind !== 'recommend') || m.item === undefined || slate.includes(m.item) || recent.includes(m.item)) continue
    const e = byItem.get(m.item)
    if (e) e.friends++
    else byItem.set(m.item, { item: items[m.item]!, from: m.from, friends: 1, comment: m.text ?? '', origin: m.origin ?? m.from, depth: m.depth ?? 0 })
  }
  return [...byItem.values()].sort((a, b) => b.friends - a.friends).slice(0, o.maxShared)
}

/**
 * The bounded pull of friends on the perceived utility of a shared item: trust in the
 * sender × conformity (more for conformists, more when several friends shared it) ×
 * homophily (items of the user's own favourite categories pull harder). Each factor is in
 * [0, 1], so the pull is in [0, influence].
 */
export function socialPull(s: SharedItem, persona: Persona, memory: SocialMemory | undefined, o: WordOfMouthOptions): number {
  const trust = trustIn(memory, s.from, o)
  const conformity = (0.4 + 0.6 * persona.traits.conformity) * Math.min(1, (1 + Math.log2(s.friends)) / 2)
  const homophily = persona.favouriteCategories.includes(s.item.category) ? 1 : 0.6
  return o.influence * trust * conformity * homophily
}

/** Trust after a friend's item was rated: up for 4-5, down for 1-2, kept in [0, 1] and bounded in size. */
export function updateTrust(memory: SocialMemory | undefined, friend: number, rating: number, o: WordOfMouthOptions): Record<string, number> {
  const trust = { ...(memory?.trust ?? {}) }
  const t = trust[friend] ?? o.trust0
  delete trust[friend]
  trust[friend] = Math.round(Math.min(1, Math.max(0, t + 0.15 * (rating - 3))) * 1e4) / 1e4
  const keys = Object.keys(trust)
  // Insertion order is recency: drop the friends heard from longest ago.
  for (let i = 0; i < keys.length - TRUST_KEPT; i++) delete trust[keys[i]!]
  return trust
}

/** The chance of sharing a rated item: rarer for passive users, likelier when satisfied and for 5 stars. */
export function shareChance(persona: Persona, rating: number, satisfaction: number, o: WordOfMouthOptions): number {
  if (rating < 4) return 0
  const p = o.shareRate * (0.4 + 0.6 * persona.traits.activity) * (0.5 + satisfaction) * (rating === 5 ? 1 : 0.5)
  return Math.round(Math.min(0.9, Math.max(0, p)) * 1e4) / 1e4
}

/**
 * Complaints and graph changes after a step: a disliked share draws a complaint to its
 * sender, and an unfollow when trust fell low; a loved reshare makes the user follow the
 * chain's origin if it is not a friend yet.
 */
export function reactions(
  rated: ReadonlyArray<{ shared: SharedItem; rating: number }>,
  trust: Record<string, number>,
  ctx: Pick<StepContext, 'neighbours'>,
  self: number,
  o: WordOfMouthOptions,
  rng: Rng,
): OutgoingMessage[] {
  if (!rated.length) return []
  const friends = new Set(ctx.neighbours ?? [])
  const out: OutgoingMessage[] = []
  for (const { shared: s, rating } of rated) {
    if (rating <= 2 && friends.has(s.from)) {
      out.push({ kind: 'complain', to: [s.from], item: s.item.id, text: `Not for me: "${s.item.title}".` })
      if ((trust[s.from] ?? o.trust0) < o.unfollowBelow) out.push({ kind: 'unfollow', to: [s.from] })
    } else if (rating === 5 && s.depth > 0 && s.origin !== self && !friends.has(s.origin) && rng.next() < 0.5) {
      out.push({ kind: 'follow', to: [s.origin] })
    }
  }
  return out.slice(0, 6)
}
