import { z } from 'zod'
import { SimError } from '../core/index.ts'

/** The database every command uses without --db. */
export const DEFAULT_DB = 'usersim.db'

/** A whole number flag with bounds and a message naming the flag. */
export function intFlag(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined
      const n = Number(v)
      if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) {
        ctx.addIssue({ code: 'custom', message: `${flag} must be a whole number (got "${v}")` })
        return z.NEVER
      }
      if (n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${flag} must be ${max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`} (got ${n})` })
        return z.NEVER
      }
      return n
    })
}

/** Parses commander's options with a zod schema; the first problem becomes a USAGE error. */
export function parseFlags<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const r = schema.safeParse(raw)
  if (!r.success) {
    const msg = r.error.issues.map((i) => i.message).join('; ')
    throw new SimError('USAGE', msg)
  }
  return r.data
}

/** Splits repeated `--set key=value` into scenario params and `policy.`-prefixed policy options. */
export function parseSets(sets: string[] | undefined): { params: Record<string, unknown>; policyOptions: Record<string, unknown> } {
  const params: Record<string, unknown> = {}
  const policyOptions: Record<string, unknown> = {}
  for (const s of sets ?? []) {
    const eq = s.indexOf('=')
    if (eq <= 0) throw new SimError('USAGE', `--set expects key=value (got "${s}")`)
    const key = s.slice(0, eq).trim()
    const value = parseValue(s.slice(eq + 1))
    if (key.startsWith('policy.')) policyOptions[key.slice(7)] = value
    else params[key] = value
  }
  return { params, policyOptions }
}

function parseValue(v: string): unknown {
  const t = v.trim()
  if (t === 'true') return true
  if (t === 'false') return false
  if (t !== '' && !Number.isNaN(Number(t))) return Number(t)
  return t
}

export const collect = (value: string, previous: string[] = []) => [...previous, value]

/** Help of `--threads` on the commands that run rounds (run, resume, branch). */
export const THREADS_HELP =
  'worker threads (0 = run in the main thread); default: the number of cores, or 0 with --llm openai (N threads each get 1/N of the model limits)'
