import type { ShardResult } from '../core/index.ts'
import type { RecoverySettings } from '../config/index.ts'
import type { RoundMetrics } from '../metrics/index.ts'
import './correction-record.ts'

/** How a round went, as the guards see it. */
export interface RoundHealth {
  /** Task calls the agents made. */
  calls: number
  fallbacks: number
  repairs: number
  /** Actions a critic or the judge flagged. */
  flagged: number
  /** Present agents whose step failed. */
  errors: number
  present: number
}

export interface GuardTrip {
  guard: string
  detail: Record<string, unknown>
}

export function roundHealth(results: readonly ShardResult[], metrics: RoundMetrics): RoundHealth {
  const h: RoundHealth = { calls: 0, fallbacks: 0, repairs: 0, flagged: 0, errors: 0, present: metrics.present }
  for (const r of results) {
    for (const n of Object.values(r.taskCounts)) h.calls += n
    for (const c of r.calls) {
      if (c.outcome === 'fallback') h.fallbacks++
      else if (c.outcome === 'repaired') h.repairs++
    }
    for (const c of r.extras?.corrections ?? []) if (c.layer === 'agent') h.flagged++
    h.errors += r.errors.length
  }
  return h
}

const share = (n: number, d: number) => (d > 0 ? n / d : 0)

/** The first guard a round trips, or null. Shares are of task calls (errors: of present agents). */
export function checkGuards(s: RecoverySettings, h: RoundHealth, m: RoundMetrics): GuardTrip | null {
  const g = s.guards
  const limits: Array<[string, number | undefined, number, number]> = [
    ['fallback-share', g.maxFallbackShare, h.fallbacks, h.calls],
    ['repair-share', g.maxRepairShare, h.repairs, h.calls],
    ['flagged-share', g.maxFlaggedShare, h.flagged, h.calls],
    ['error-share', g.maxErrorShare, h.errors, h.present],
  ]
  for (const [guard, max, n, d] of limits) {
    if (max === undefined) continue
    const value = share(n, d)
    if (value > max) return { guard, detail: { value: round4(value), max, count: n, of: d } }
  }
  for (const [name, [lo, hi]] of Object.entries(g.metrics)) {
    const value = name in m ? (m as unknown as Record<string, unknown>)[name] : m.custom[name]
    if (typeof value !== 'number') return { guard: `metric:${name}`, detail: { problem: `round metrics have no number "${name}"` } }
    if (!(value >= lo && value <= hi)) return { guard: `metric:${name}`, detail: { value: round4(value), band: [lo, hi] } }
  }
  return null
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4
