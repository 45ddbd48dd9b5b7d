import type { RoundMetrics } from '../metrics/index.ts'

/** How the report shows one per-round metric. */
export interface MetricInfo {
  key: string
  label: string
  /** Charts are grouped under these headings, in this order. */
  group: 'Behaviour' | 'Quality' | 'Exposure' | 'Volume' | 'Health' | 'Scenario' | 'Judge agreement'
  /** 'share' values are in [0, 1] and shown as percentages. */
  format: 'share' | 'number' | 'integer'
  hint: string
}

/** Every number in RoundMetrics the report charts (satisfactionHist has a chart of its own). */
export const METRIC_CATALOG: readonly MetricInfo[] = [
  { key: 'satisfaction', label: 'Satisfaction', group: 'Behaviour', format: 'number', hint: 'mean satisfaction of present agents, 0–1' },
  { key: 'ctr', label: 'CTR', group: 'Behaviour', format: 'share', hint: 'clicks per impression' },
  { key: 'meanRating', label: 'Mean rating', group: 'Behaviour', format: 'number', hint: 'mean of the 1–5 ratings given' },
  { key: 'leaveRate', label: 'Leave rate', group: 'Behaviour', format: 'share', hint: 'share of present agents who left the session' },
  { key: 'returnRate', label: 'Return rate', group: 'Behaviour', format: 'share', hint: 'share of agents away last round who came back' },
  { key: 'cartRate', label: 'Add-to-cart rate', group: 'Behaviour', format: 'share', hint: 'items added to the cart per click (e-commerce catalogs)' },
  { key: 'conversion', label: 'Conversion', group: 'Behaviour', format: 'share', hint: 'share of present agents who ordered something' },
  { key: 'gmvPerUser', label: 'GMV per user', group: 'Behaviour', format: 'number', hint: 'value of the orders per present agent' },
  { key: 'reformulationRate', label: 'Reformulation rate', group: 'Behaviour', format: 'share', hint: 'search requests that reformulate the previous query' },
  { key: 'badQueryRate', label: 'Bad-query rate', group: 'Behaviour', format: 'share', hint: 'search requests with no click on the result page' },
  { key: 'ndcg', label: 'NDCG@K vs oracle', group: 'Quality', format: 'number', hint: "ranking quality against the users' hidden tastes (sampled agents)" },
  { key: 'ild', label: 'Intra-list diversity', group: 'Quality', format: 'number', hint: 'mean dissimilarity within a slate' },
  { key: 'novelty', label: 'Novelty (bits)', group: 'Quality', format: 'number', hint: 'mean self-information of shown items' },
  { key: 'coverage', label: 'Catalog coverage', group: 'Exposure', format: 'share', hint: 'share of the catalog shown this round' },
  { key: 'gini', label: 'Exposure Gini', group: 'Exposure', format: 'number', hint: '0 = every item shown equally, 1 = all exposure on one item' },
  { key: 'present', label: 'Present agents', group: 'Volume', format: 'integer', hint: 'agents shown a slate' },
  { key: 'impressions', label: 'Impressions', group: 'Volume', format: 'integer', hint: 'items shown' },
  { key: 'clicks', label: 'Clicks', group: 'Volume', format: 'integer', hint: 'items clicked' },
  { key: 'ratings', label: 'Ratings', group: 'Volume', format: 'integer', hint: 'ratings given' },
  { key: 'carts', label: 'Add-to-carts', group: 'Volume', format: 'integer', hint: 'items added to the cart' },
  { key: 'orders', label: 'Orders', group: 'Volume', format: 'integer', hint: 'items ordered' },
  { key: 'gmv', label: 'GMV', group: 'Volume', format: 'number', hint: "the orders' prices summed" },
  { key: 'searches', label: 'Search requests', group: 'Volume', format: 'integer', hint: 'agents who searched' },
  { key: 'reformulations', label: 'Reformulations', group: 'Volume', format: 'integer', hint: 'search requests reformulating the previous query' },
  { key: 'utterances', label: 'Utterances', group: 'Volume', format: 'integer', hint: 'things agents said' },
  { key: 'agents', label: 'Agents', group: 'Volume', format: 'integer', hint: 'agents in the population' },
  { key: 'violations', label: 'Consistency violations', group: 'Health', format: 'integer', hint: 'clicks on an item the persona never wants' },
  { key: 'errors', label: 'Agent errors', group: 'Health', format: 'integer', hint: 'agent steps that failed' },
  { key: 'ndcgSampled', label: 'NDCG sample size', group: 'Health', format: 'integer', hint: 'agents whose NDCG was measured' },
  { key: 'durationMs', label: 'Round duration (ms)', group: 'Health', format: 'integer', hint: 'wall-clock time of the round' },
]

const KNOWN = new Set(METRIC_CATALOG.map((m) => m.key))

/**
 * The numbers of one round as a flat record: the catalogued fields, any number the
 * metrics gain later (so a new field is charted without a report change) and
 * `custom.<name>` for scenario metrics.
 */
export function flattenRoundMetrics(m: RoundMetrics, durationMs: number | null): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(m)) {
    if (k === 'round') continue
    if (typeof v === 'number') out[k] = v
  }
  for (const [k, v] of Object.entries(m.custom ?? {})) if (typeof v === 'number') out[`custom.${k}`] = v
  if (durationMs !== null) out.durationMs = Math.round(durationMs)
  return out
}

/** Catalog entries for the keys present in the data, in catalog order, then uncatalogued keys. */
export function metricsFor(keys: Iterable<string>): MetricInfo[] {
  const present = new Set(keys)
  const out = METRIC_CATALOG.filter((m) => present.has(m.key))
  for (const k of [...present].sort()) {
    if (KNOWN.has(k)) continue
    const custom = k.startsWith('custom.')
    // A policy's judge (recgpt): accuracy and Cohen's κ per criterion, against the truth and the users.
    const judge = k.startsWith('custom.judge.')
    out.push({
      key: k,
      label: custom ? k.slice(7) : k,
      group: judge ? 'Judge agreement' : custom ? 'Scenario' : 'Health',
      format: 'number',
      hint: judge ? 'judge vs hidden truth (vs-user: vs the users\' aspect scores); acc = accuracy, kappa = Cohen\'s κ' : custom ? 'scenario or policy metric' : 'per-round metric',
    })
  }
  return out
}
