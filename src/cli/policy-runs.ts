import { SimError } from '../core/index.ts'
import { isPolicyUrl } from '../external/options.ts'
import type { RunSummary } from '../metrics/index.ts'
import { buildRunConfig, launchRun, NO_EXTENSIONS, type RunOverrides } from '../runner/index.ts'
import { iterateEvents, RunStore } from '../store/index.ts'

/** A policy to run: a name (built-in, the scenario's, or a policy server's URL) with options. */
export interface PolicySpec {
  /** How tables name it, e.g. `bpr(factors=4)`. */
  label: string
  name: string
  options: Record<string, unknown>
}

/**
 * Parses `name`, `name:key=value,key=value` (options as `--set policy.key=value` takes
 * them) or a policy server's `http://…` URL.
 */
export function parsePolicySpec(spec: string): PolicySpec {
  const s = spec.trim()
  if (isPolicyUrl(s)) return { label: s, name: s, options: {} }
  const colon = s.indexOf(':')
  const name = colon < 0 ? s : s.slice(0, colon)
  if (!/^[A-Za-z0-9][\w-]*$/.test(name)) throw new SimError('USAGE', `--policy: expected name or name:key=value,… (got "${spec}")`)
  const options: Record<string, unknown> = {}
  if (colon >= 0) {
    for (const kv of s.slice(colon + 1).split(',')) {
      const eq = kv.indexOf('=')
      if (eq <= 0) throw new SimError('USAGE', `--policy ${name}: options are key=value separated by commas (got "${kv}")`)
      const v = kv.slice(eq + 1).trim()
      options[kv.slice(0, eq).trim()] = v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v
    }
  }
  const opts = Object.entries(options).map(([k, v]) => `${k}=${String(v)}`)
  return { label: opts.length ? `${name}(${opts.join(',')})` : name, name, options }
}

/** One agent's totals over a run. */
export interface AgentOutcome {
  visits: number
  impressions: number
  clicks: number
  satisfaction: number
  /** Slates shown, in round order. */
  slates: number[][]
  /** Clicks of each visit, in round order. */
  clicksPerVisit: number[]
  /** Ratings given to clicked items. */
  ratings: number[]
}

/** A finished run of one policy and each agent's outcomes. */
export interface PolicyRun {
  runId: string
  summary: RunSummary
  agents: AgentOutcome[]
}

/**
 * Runs a scenario with one policy to the end (stored in `db`, plain engine: no
 * checkpoints or critics) and gathers each agent's clicks, impressions and satisfaction.
 */
export async function runPolicy(scenario: string, spec: PolicySpec, o: RunOverrides, db: string, threads: number): Promise<PolicyRun> {
  const { config } = await buildRunConfig(scenario, { ...o, policy: spec.name, policyOptions: spec.options })
  const result = await launchRun(config, { db, threads, extensions: NO_EXTENSIONS })
  const agents: AgentOutcome[] = Array.from({ length: config.agents }, () => ({ visits: 0, impressions: 0, clicks: 0, satisfaction: 0, slates: [], clicksPerVisit: [], ratings: [] }))
  const store = new RunStore(db, { readonly: true })
  try {
    for (const e of iterateEvents(store, result.runId)) {
      if (!e.present) continue
      const a = agents[e.agent]!
      a.visits++
      a.impressions += e.slate.length
      a.clicks += e.clicks.length
      a.satisfaction += e.satisfaction
      a.slates.push(e.slate)
      a.clicksPerVisit.push(e.clicks.length)
      for (const r of e.ratings) a.ratings.push(r)
    }
  } finally {
    store.close()
  }
  return { runId: result.runId, summary: result.summary, agents }
}

/** Per-agent click-through rate (0 without impressions). */
export const ctrOf = (a: AgentOutcome) => (a.impressions ? a.clicks / a.impressions : 0)
/** Per-agent mean reported satisfaction over its visits (0 without visits). */
export const satisfactionOf = (a: AgentOutcome) => (a.visits ? a.satisfaction / a.visits : 0)
