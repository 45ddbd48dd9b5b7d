import type { BatchRecommendContext, Interaction, Policy, RoundFeedback } from './policy.ts'
import type { Anchors, UserView } from './types.ts'

export type { Anchors, SearchRequest, SearchView } from './types.ts'

/**
 * Personalised search (docs/search.md): a user's request, the preference anchors the
 * platform keeps per query, and the wrapper that hands both to any policy.
 */

export const EMPTY_ANCHORS: Anchors = Object.freeze({ purchased: [], clicked: [], impressed: [] }) as unknown as Anchors

/** The query key anchors are kept under: lower case, letters and digits, terms sorted and unique ("Wireless  headphones" = "headphones wireless"). */
export function queryKey(query: string): string {
  return [...new Set(queryTerms(query))].sort().join(' ')
}

/** A query's or a text's terms: lower-case runs of letters and digits. */
export function queryTerms(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? []
}

/** Per query key: per item, [impressions, clicks, orders] so far. */
export type AnchorCounts = Map<string, Map<number, [number, number, number]>>

/** Adds one round's requests to the counts (in place; interactions without a query are skipped). */
export function countAnchors(counts: AnchorCounts, interactions: readonly Interaction[]): void {
  for (const it of interactions) {
    if (!it.query) continue
    const key = queryKey(it.query)
    if (!key) continue
    let m = counts.get(key)
    if (!m) counts.set(key, (m = new Map()))
    const add = (item: number, f: 0 | 1 | 2) => {
      let c = m!.get(item)
      if (!c) m!.set(item, (c = [0, 0, 0]))
      c[f] += 1
    }
    for (const i of it.slate) add(i, 0)
    for (const i of it.clicks) add(i, 1)
    for (const i of it.orders ?? []) add(i, 2)
  }
}

/** The daily snapshot: top-k per group and query key (ties broken by item id), queries with no counts left out. */
export function anchorSnapshot(counts: AnchorCounts, k: number): Record<string, Anchors> {
  const out: Record<string, Anchors> = {}
  for (const key of [...counts.keys()].sort()) {
    const m = counts.get(key)!
    const top = (f: 0 | 1 | 2) =>
      [...m.entries()]
        .filter(([, c]) => c[f] > 0)
        .sort((a, b) => b[1][f] - a[1][f] || a[0] - b[0])
        .slice(0, k)
        .map(([item]) => item)
    out[key] = { purchased: top(2), clicked: top(1), impressed: top(0) }
  }
  return out
}

/** The anchors of a query in a snapshot (empty for a query never seen before). */
export function anchorsFor(snapshot: Readonly<Record<string, Anchors>>, query: string): Anchors {
  return snapshot[queryKey(query)] ?? EMPTY_ANCHORS
}

export interface SearchContextOptions {
  /** Items per anchor group (OnePiece: top-k purchased, clicked, impressed). */
  anchorsK: number
}

interface SearchState<S> {
  inner: S
  counts: AnchorCounts
}
interface SearchSnapshot<P> {
  inner: P
  anchors: Record<string, Anchors>
}

/**
 * Wraps a policy for search: it keeps the anchor counts beside the policy's state (so they
 * are checkpointed and shipped with it), takes the daily snapshot between rounds, and hands
 * each request's anchors to the policy in `UserView.search.anchors`. The anchors a round sees
 * come from `learn` of earlier rounds only: no label of the current round can leak into them.
 */
export function withSearchContext<S, P>(inner: Policy<S, P>, options: SearchContextOptions): Policy<SearchState<S>, SearchSnapshot<P>> {
  const withAnchors = (snap: SearchSnapshot<P>, user: UserView): UserView =>
    user.search ? { ...user, search: { ...user.search, anchors: anchorsFor(snap.anchors, user.search.query) } } : user
  const wrapped: Policy<SearchState<S>, SearchSnapshot<P>> = {
    name: inner.name,
    init: (ctx) => ({ inner: inner.init(ctx), counts: new Map() }),
    snapshot: (s) => ({ inner: inner.snapshot(s.inner), anchors: anchorSnapshot(s.counts, options.anchorsK) }),
    recommend: (snap, user, k, rng, ctx) => inner.recommend(snap.inner, withAnchors(snap, user), k, rng, ctx),
    learn: async (s, feedback: RoundFeedback, ctx) => {
      const counts: AnchorCounts = new Map([...s.counts].map(([q, m]) => [q, new Map([...m].map(([i, c]) => [i, [...c] as [number, number, number]]))]))
      countAnchors(counts, feedback.interactions)
      return { inner: await inner.learn(s.inner, feedback, ctx), counts }
    },
  }
  if (inner.recommendBatch) {
    const batch = inner.recommendBatch.bind(inner)
    wrapped.recommendBatch = (snap, users, k, ctx: BatchRecommendContext) => batch(snap.inner, users.map((u) => withAnchors(snap, u)), k, ctx)
  }
  if (inner.open) {
    const open = inner.open.bind(inner)
    wrapped.open = async (s, ctx) => {
      const next = await open(s.inner, ctx)
      return next === undefined ? s : { ...s, inner: next }
    }
  }
  return wrapped
}
