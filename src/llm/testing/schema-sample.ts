import { rngFor, type Rng } from '../../core/index.ts'

/** The subset of JSON Schema that zod's `toJSONSchema` emits for task outputs. */
export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  enum?: unknown[]
  const?: unknown
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  minLength?: number
  maxLength?: number
  minItems?: number
  maxItems?: number
  default?: unknown
}

/**
 * A value that satisfies `schema`, drawn from a seeded Rng: the test server's default
 * answer, so any task can be dry-run without scripting its output. Unbounded integers
 * are picked from `hints.integers` (numbers in the prompt, such as item ids) when given.
 *
 * @example
 * sampleFromSchema({ type: 'object', properties: { n: { type: 'integer', minimum: 1, maximum: 5 } }, required: ['n'] }, 7)
 * // → { n: 3 } (always the same for seed 7)
 */
export function sampleFromSchema(schema: JsonSchema, seed: number, hints: { integers?: readonly number[] } = {}): unknown {
  return sample(schema, rngFor(seed, 'schema-sample'), 0, hints.integers ?? [])
}

function sample(s: JsonSchema, rng: Rng, depth: number, ints: readonly number[]): unknown {
  if (s.const !== undefined) return s.const
  if (s.enum?.length) return rng.pick(s.enum)
  const alt = s.anyOf ?? s.oneOf
  if (alt?.length) return sample(alt.find((a) => a.type !== 'null') ?? alt[0]!, rng, depth, ints)
  const type = Array.isArray(s.type) ? (s.type.find((t) => t !== 'null') ?? 'null') : s.type
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(s.properties ?? {})) {
        if ((s.required ?? []).includes(k) || rng.next() < 0.5) out[k] = sample(v, rng, depth + 1, ints)
      }
      return out
    }
    case 'array': {
      const min = s.minItems ?? 0
      const max = Math.min(s.maxItems ?? min + 2, min + 2)
      const n = min + rng.int(max - min + 1)
      return Array.from({ length: depth > 4 ? min : n }, () => sample(s.items ?? {}, rng, depth + 1, ints))
    }
    case 'string': {
      const words = ['fine', 'good', 'more', 'please', 'feed', 'ok', 'nice', 'items', 'again']
      let text = ''
      while (text.length < Math.max(1, s.minLength ?? 1) || (text.length < 24 && rng.next() < 0.7)) text += (text ? ' ' : '') + rng.pick(words)
      return text.slice(0, s.maxLength ?? text.length)
    }
    case 'integer':
    case 'number': {
      const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (type === 'integer' ? 1 : 1e-6) : 0)
      const max = s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? s.maximum : undefined
      const hi = max ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - (type === 'integer' ? 1 : 1e-6) : lo + 100)
      if (type === 'integer') {
        // Integers seen in the prompt (e.g. item ids) make answers that refer to something real.
        const wide = s.maximum === undefined || s.maximum >= Number.MAX_SAFE_INTEGER
        const fit = wide ? ints.filter((x) => x >= lo) : []
        if (fit.length) return rng.pick(fit)
        return Math.ceil(lo) + rng.int(Math.max(1, Math.floor(hi) - Math.ceil(lo) + 1))
      }
      return Math.round((lo + rng.next() * (hi - lo)) * 1e4) / 1e4
    }
    case 'boolean':
      return rng.next() < 0.5
    case 'null':
      return null
    default:
      return s.default ?? null
  }
}
