import type { z } from 'zod'
import {
  compareResultSchema,
  distributionFitSchema,
  rankingResultSchema,
  type CompareResult,
  type DistributionFit,
  type RankingResult,
  type StudyEstimate,
} from './study-schemas.ts'
import type { StudyKind, StudyRow } from './studies-repo.ts'

/** How the page labels and formats a metric of a study. */
export interface StudyMetric {
  key: string
  label: string
  format: 'share' | 'number'
}

/** The A/B test as the page draws it: the stored result plus the metric labels. */
export interface CompareView extends CompareResult {
  baseline: string
  metrics: StudyMetric[]
}

/** One policy in the scatter and rank-vs-rank views of an agreement pair. */
export interface RankingPoint {
  label: string
  x: StudyEstimate
  y: StudyEstimate
  /** 1 = the best (highest) of the policies on that side; ties share the mean of their places. */
  xRank: number
  yRank: number
}

/** One agreement pair: an offline (real) metric against a simulated one. */
export interface RankingPair {
  offline: string
  simulated: string
  offlineLabel: string
  simulatedLabel: string
  primary: boolean
  spearman: StudyEstimate
  kendall: StudyEstimate
  points: RankingPoint[]
}

/** One quantity's real distribution and each policy's simulated one, over the same bins. */
export interface DistributionView {
  quantity: DistributionFit['quantity']
  label: string
  bins: string[]
  real: number[] | null
  simulated: Array<{ policy: string; shares: number[] }>
  notes: string[]
}

export interface RankingView {
  dataset: RankingResult['dataset']
  protocol: RankingResult['protocol']
  policies: RankingResult['policies']
  pairs: RankingPair[]
  vsPopularity: Array<RankingResult['vsPopularity'][number] & { verdict: string }>
  /** The real data's agreement with itself; null for results written before it was added. */
  reliability: NonNullable<RankingResult['reliability']> | null
  /** Null when the result has no `distributions` (results of versions before it). */
  distributions: DistributionView[] | null
  /** Jensen–Shannon divergence (bits) per policy and quantity, in `distributions`' order. */
  divergence: { quantities: Array<{ quantity: string; label: string }>; rows: Array<{ policy: string; js: Array<number | null> }> } | null
}

/** A study as the report page draws it. Exactly one of `compare` and `ranking` is set, unless the result could not be read. */
export interface StudyReport {
  id: string
  kind: StudyKind
  createdAt: string
  runs: string[]
  compare: CompareView | null
  ranking: RankingView | null
  notes: string[]
}

const COMPARE_METRICS: Record<string, Omit<StudyMetric, 'key'>> = {
  ctr: { label: 'CTR', format: 'share' },
  satisfaction: { label: 'satisfaction', format: 'number' },
  clicksPerVisit: { label: 'clicks per visit', format: 'number' },
  visits: { label: 'visits', format: 'number' },
}

const metricLabel = (key: string, k: number): string =>
  ({
    ndcg: `NDCG@${k} (real)`,
    recall: `Recall@${k} (real)`,
    hit: `HR@${k} (real)`,
    ctr: 'CTR (simulated)',
    satisfaction: 'satisfaction (simulated)',
    heldOutHit: 'held-out hit (simulated)',
  })[key] ?? key

/** Average ranks with 1 = the largest value; ties share the mean of their places. */
export function ranksDescending(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => b[0] - a[0])
  const out = new Array<number>(xs.length)
  for (let i = 0; i < order.length; ) {
    let j = i
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++
    for (let n = i; n <= j; n++) out[order[n]![1]] = (i + j) / 2 + 1
    i = j + 1
  }
  return out
}

const problems = (e: z.ZodError) => e.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')

/** Builds the page's view of a stored study; a result it cannot read becomes a note. */
export function studyReport(row: StudyRow): StudyReport {
  const base = { id: row.id, kind: row.kind, createdAt: row.createdAt, runs: row.runs, compare: null, ranking: null, notes: [] as string[] }
  if (row.kind === 'compare') {
    const r = compareResultSchema.safeParse(row.result)
    if (!r.success) return { ...base, notes: [`the stored compare result cannot be read (${problems(r.error)})`] }
    return { ...base, compare: compareView(r.data) }
  }
  const r = rankingResultSchema.safeParse(row.result)
  if (!r.success) return { ...base, notes: [`the stored ranking result cannot be read (${problems(r.error)})`] }
  const notes: string[] = []
  return { ...base, ranking: rankingView(r.data, notes), notes }
}

export function compareView(r: CompareResult): CompareView {
  const keys = Object.keys(r.policies[0]!.metrics)
  return { ...r, baseline: r.differences[0]?.baseline ?? r.policies[0]!.label, metrics: keys.map((key) => ({ key, ...(COMPARE_METRICS[key] ?? { label: key, format: 'number' }) })) }
}

type Side = 'offline' | 'simulated'
const estimateOf = (p: RankingResult['policies'][number], side: Side, key: string): StudyEstimate | undefined => (p[side] as Record<string, StudyEstimate | unknown>)[key] as StudyEstimate | undefined

export function rankingView(r: RankingResult, notes: string[]): RankingView {
  const k = r.protocol.k
  const pairs: RankingPair[] = []
  for (const [i, a] of r.agreement.entries()) {
    const xs = r.policies.map((p) => estimateOf(p, 'offline', a.offline))
    const ys = r.policies.map((p) => estimateOf(p, 'simulated', a.simulated))
    if (xs.some((x) => typeof x?.value !== 'number') || ys.some((y) => typeof y?.value !== 'number')) {
      notes.push(`agreement ${a.offline} vs ${a.simulated}: the policies lack these estimates, so it has no chart`)
      continue
    }
    const xr = ranksDescending(xs.map((x) => x!.value))
    const yr = ranksDescending(ys.map((y) => y!.value))
    pairs.push({
      offline: a.offline,
      simulated: a.simulated,
      offlineLabel: metricLabel(a.offline, k),
      simulatedLabel: metricLabel(a.simulated, k),
      primary: i === 0,
      spearman: a.spearman,
      kendall: a.kendall,
      points: r.policies.map((p, j) => ({ label: p.label, x: xs[j]!, y: ys[j]!, xRank: xr[j]!, yRank: yr[j]! })),
    })
  }
  const vsPopularity = r.vsPopularity.map((v) => ({
    ...v,
    verdict: !v.offlineSeparated ? 'offline: not separable from popularity' : v.agrees ? 'simulation agrees' : 'simulation DISAGREES',
  }))
  const fits = r.distributions === undefined ? null : distributionFits(r.distributions, notes)
  return { dataset: r.dataset, protocol: r.protocol, policies: r.policies, pairs, vsPopularity, reliability: r.reliability ?? null, ...distributionViews(fits, notes) }
}

/** The entries of `distributions` that are well formed (bins, real and simulated of one length); the rest become notes. */
export function distributionFits(raw: readonly unknown[], notes: string[]): DistributionFit[] {
  const out: DistributionFit[] = []
  for (const [i, d] of raw.entries()) {
    const r = distributionFitSchema.safeParse(d)
    if (!r.success) {
      notes.push(`distributions[${i}] cannot be read (${problems(r.error)}); left out`)
      continue
    }
    const f = r.data
    if (f.simulated.length !== f.bins.length || (f.real && f.real.length !== f.bins.length)) {
      notes.push(`distributions[${i}] (${f.quantity}, ${f.policy}): ${f.bins.length} bins but ${f.simulated.length} simulated${f.real ? ` and ${f.real.length} real` : ''} shares; left out`)
      continue
    }
    out.push(f)
  }
  return out
}

/** Groups the fits by quantity (in first-seen order) for the bar charts, and by policy for the divergence table. */
export function distributionViews(fits: DistributionFit[] | null, notes: string[]): Pick<RankingView, 'distributions' | 'divergence'> {
  if (!fits) return { distributions: null, divergence: null }
  const byQuantity = new Map<string, DistributionView>()
  for (const f of fits) {
    let v = byQuantity.get(f.quantity)
    if (!v) byQuantity.set(f.quantity, (v = { quantity: f.quantity, label: f.label, bins: f.bins, real: f.real, simulated: [], notes: [] }))
    if (f.bins.join('\u0000') !== v.bins.join('\u0000')) {
      notes.push(`distributions: ${f.quantity} of ${f.policy} has other bins than the first policy's; left out`)
      continue
    }
    v.real ??= f.real
    v.simulated.push({ policy: f.policy, shares: f.simulated })
    if (f.note && !v.notes.includes(f.note)) v.notes.push(f.note)
  }
  const quantities = [...byQuantity.values()].map((v) => ({ quantity: v.quantity, label: v.label }))
  const policies = [...new Set(fits.map((f) => f.policy))]
  const rows = policies.map((policy) => ({
    policy,
    js: quantities.map((q) => fits.find((f) => f.policy === policy && f.quantity === q.quantity)?.js ?? null),
  }))
  return { distributions: [...byQuantity.values()], divergence: { quantities, rows } }
}
