import { SimError } from '../core/index.ts'

/** Agent states of a contiguous range, as JSON (null: not started, initial states). */
export interface StatePart {
  start: number
  end: number
  states: string | null
}

/**
 * Re-cuts state parts to new ranges (a resume or a worker pool with another shard
 * count). Parts already on the right ranges pass through untouched.
 */
export function resplitStates(parts: readonly StatePart[], ranges: ReadonlyArray<[number, number]>): StatePart[] {
  const same = parts.length === ranges.length && parts.every((p, i) => p.start === ranges[i]![0] && p.end === ranges[i]![1])
  if (same) return parts.map((p) => ({ ...p }))
  if (parts.every((p) => p.states === null)) return ranges.map(([start, end]) => ({ start, end, states: null }))
  const all: unknown[] = []
  const sorted = [...parts].sort((a, b) => a.start - b.start)
  for (const p of sorted) {
    if (p.start !== all.length) throw new SimError('CHECKPOINT_CONFLICT', `agent states have a gap or overlap at agent ${all.length}`)
    if (p.states === null) throw new SimError('CHECKPOINT_CONFLICT', 'agent states mix started and unstarted parts')
    const xs = JSON.parse(p.states) as unknown[]
    if (xs.length !== p.end - p.start) throw new SimError('CHECKPOINT_CONFLICT', `agent states for [${p.start}, ${p.end}) have ${xs.length} entries`)
    all.push(...xs)
  }
  return ranges.map(([start, end]) => ({ start, end, states: JSON.stringify(all.slice(start, end)) }))
}
