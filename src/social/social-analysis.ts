import { SimError, type Message } from '../core/index.ts'
import { gini } from '../metrics/index.ts'
import { createShardEnv } from '../runner/shard-env.ts'
import { iterateEvents, type RunStore } from '../store/index.ts'
import { iterateMessages } from './messages-repo.ts'

/** A run's social figures (docs/social.md explains each). */
export interface SocialAnalysis {
  messages: { total: number; deliveries: number; byKind: Record<string, number> }
  cascades: {
    /** Share chains: (item, origin) pairs. */
    count: number
    meanSize: number
    maxSize: number
    maxDepth: number
    /** How many cascades have each size (shares in the chain). */
    sizes: Array<{ size: number; cascades: number }>
    /** Shares at each depth (hops from the origin). */
    depths: Array<{ depth: number; shares: number }>
    topItems: Array<{ item: number; title: string; shares: number; cascades: number; maxDepth: number }>
  }
  clicks: { fromFriends: number; fromRecommender: number; friendShare: number }
  exposure: {
    /** Mean normalised entropy of the categories each user was exposed to (slates and friends' shares). */
    within: number
    /** Normalised entropy of everything shown to anyone. */
    across: number
    /** 1 − within / across: 0 when each user sees as varied a mix as the whole platform. */
    echoChamber: number
    /** Mean Jensen–Shannon divergence (base 2) between taste communities' exposure. */
    polarisation: number
    communities: number
  }
  influence: { senders: number; reachGini: number; top1PctReach: number }
  byRound: Array<{ round: number; shares: number; deliveries: number; friendClicks: number; feedClicks: number }>
}

interface Cascade {
  shares: number
  maxDepth: number
}

/** Cascades of share messages: a chain is identified by its item and the user who started it. */
export function cascadesOf(messages: Iterable<Message>): Map<string, Cascade & { item: number }> {
  const out = new Map<string, Cascade & { item: number }>()
  for (const m of messages) {
    if (m.kind !== 'share' && m.kind !== 'recommend') continue
    if (m.item === undefined) continue
    const key = `${m.item}:${m.origin ?? m.from}`
    const c = out.get(key) ?? { item: m.item, shares: 0, maxDepth: 0 }
    c.shares++
    c.maxDepth = Math.max(c.maxDepth, m.depth ?? 0)
    out.set(key, c)
  }
  return out
}

function entropy(counts: ArrayLike<number>): number {
  let total = 0
  for (let i = 0; i < counts.length; i++) total += counts[i]!
  if (!total) return 0
  let h = 0
  for (let i = 0; i < counts.length; i++) {
    const p = counts[i]! / total
    if (p > 0) h -= p * Math.log2(p)
  }
  return h
}

/** Jensen–Shannon divergence (base 2, in [0, 1]) of two count vectors. */
export function jsDivergence(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ta = 0
  let tb = 0
  for (let i = 0; i < a.length; i++) {
    ta += a[i]!
    tb += b[i]!
  }
  if (!ta || !tb) return 0
  let d = 0
  for (let i = 0; i < a.length; i++) {
    const p = a[i]! / ta
    const q = b[i]! / tb
    const m = (p + q) / 2
    if (p > 0) d += 0.5 * p * Math.log2(p / m)
    if (q > 0) d += 0.5 * q * Math.log2(q / m)
  }
  return d
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4

/**
 * Reads a run's messages and events and measures its social side: cascades, clicks from
 * friends against clicks from the recommender, echo chambers and polarisation of exposure
 * across taste communities (a user's first favourite category), influencer concentration.
 * A run without messages (no social layer) measures too: its exposure is the baseline.
 */
export async function analyzeSocial(store: RunStore, runId: string): Promise<SocialAnalysis> {
  const key = store.runKey(runId)
  const run = store.getRun(runId)
  if (!store.getRounds(runId).some((r) => r.metrics)) throw new SimError('NO_DATA', `run "${runId}" has no finished round yet`)
  const env = await createShardEnv(run.config, 1)
  const { catalog } = env
  const catIndex = new Map(catalog.categories.map((c, i) => [c, i]))
  const nCat = Math.max(1, catalog.categories.length)
  const itemCat = Int32Array.from(catalog.items, (it) => catIndex.get(it.category) ?? 0)
  const agents = run.config.agents

  const exposure = new Float64Array(agents * nCat)
  const byKind: Record<string, number> = {}
  const reach = new Float64Array(agents)
  const byRound = new Map<number, { shares: number; deliveries: number }>()
  let total = 0
  let deliveries = 0
  const depthShares = new Map<number, number>()
  const shareMessages: Message[] = []
  for (const m of iterateMessages(store.db, key)) {
    total++
    deliveries += m.to.length
    byKind[m.kind] = (byKind[m.kind] ?? 0) + 1
    if (m.kind !== 'share' && m.kind !== 'recommend') continue
    shareMessages.push(m)
    const r = byRound.get(m.round) ?? { shares: 0, deliveries: 0 }
    r.shares++
    r.deliveries += m.to.length
    byRound.set(m.round, r)
    reach[m.from]! += m.to.length
    depthShares.set(m.depth ?? 0, (depthShares.get(m.depth ?? 0) ?? 0) + 1)
    if (m.item !== undefined) for (const t of m.to) exposure[t * nCat + itemCat[m.item]!]! += 1
  }
  for (const e of iterateEvents(store, runId)) {
    if (!e.present) continue
    for (const i of e.slate) exposure[e.agent * nCat + itemCat[i]!]! += 1
  }

  // Exposure diversity within users against the platform, and across taste communities.
  const pooled = new Float64Array(nCat)
  const community = new Map<number, Float64Array>()
  const hMax = Math.log2(nCat) || 1
  let within = 0
  let exposed = 0
  for (let a = 0; a < agents; a++) {
    const row = exposure.subarray(a * nCat, (a + 1) * nCat)
    let n = 0
    for (let c = 0; c < nCat; c++) n += row[c]!
    if (!n) continue
    exposed++
    within += entropy(row) / hMax
    const fav = env.persona(a).favouriteCategories[0]
    const g = fav === undefined ? -1 : (catIndex.get(fav) ?? -1)
    let acc = community.get(g)
    if (!acc) community.set(g, (acc = new Float64Array(nCat)))
    for (let c = 0; c < nCat; c++) {
      acc[c]! += row[c]!
      pooled[c]! += row[c]!
    }
  }
  within = exposed ? within / exposed : 0
  const across = entropy(pooled) / hMax
  const groups = [...community.values()]
  let js = 0
  let pairs = 0
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      js += jsDivergence(groups[i]!, groups[j]!)
      pairs++
    }
  }

  const cascades = [...cascadesOf(shareMessages).values()]
  const sizeCount = new Map<number, number>()
  for (const c of cascades) sizeCount.set(c.shares, (sizeCount.get(c.shares) ?? 0) + 1)
  const perItem = new Map<number, { shares: number; cascades: number; maxDepth: number }>()
  for (const c of cascades) {
    const it = perItem.get(c.item) ?? { shares: 0, cascades: 0, maxDepth: 0 }
    it.shares += c.shares
    it.cascades++
    it.maxDepth = Math.max(it.maxDepth, c.maxDepth)
    perItem.set(c.item, it)
  }

  let fromFriends = 0
  let fromRecommender = 0
  const rounds = store.getRounds(runId)
  const roundRows = rounds.map((r) => {
    const friendClicks = r.metrics?.custom?.friendClicks ?? 0
    const feedClicks = r.metrics?.clicks ?? 0
    fromFriends += friendClicks
    fromRecommender += feedClicks
    const s = byRound.get(r.round) ?? { shares: 0, deliveries: 0 }
    return { round: r.round, ...s, friendClicks, feedClicks }
  })

  const senders = Array.from(reach).filter((x) => x > 0)
  const sortedReach = [...senders].sort((x, y) => y - x)
  const top = Math.max(1, Math.ceil(agents / 100))
  const reachTotal = sortedReach.reduce((s, x) => s + x, 0)
  return {
    messages: { total, deliveries, byKind },
    cascades: {
      count: cascades.length,
      meanSize: r4(cascades.length ? cascades.reduce((s, c) => s + c.shares, 0) / cascades.length : 0),
      maxSize: cascades.reduce((m, c) => Math.max(m, c.shares), 0),
      maxDepth: cascades.reduce((m, c) => Math.max(m, c.maxDepth), 0),
      sizes: [...sizeCount].sort((a, b) => a[0] - b[0]).map(([size, n]) => ({ size, cascades: n })),
      depths: [...depthShares].sort((a, b) => a[0] - b[0]).map(([depth, shares]) => ({ depth, shares })),
      topItems: [...perItem]
        .sort((a, b) => b[1].shares - a[1].shares || a[0] - b[0])
        .slice(0, 10)
        .map(([item, x]) => ({ item, title: catalog.items[item]?.title ?? String(item), ...x })),
    },
    clicks: { fromFriends, fromRecommender, friendShare: r4(fromFriends + fromRecommender ? fromFriends / (fromFriends + fromRecommender) : 0) },
    exposure: { within: r4(within), across: r4(across), echoChamber: r4(across ? 1 - within / across : 0), polarisation: r4(pairs ? js / pairs : 0), communities: groups.length },
    influence: {
      senders: senders.length,
      reachGini: r4(gini(Array.from(reach))),
      top1PctReach: r4(reachTotal ? sortedReach.slice(0, top).reduce((s, x) => s + x, 0) / reachTotal : 0),
    },
    byRound: roundRows,
  }
}
