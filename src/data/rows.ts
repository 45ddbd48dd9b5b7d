import { z } from 'zod'
import { dataError } from './errors.ts'

/** Field schemas shared by the loaders; each message says what was expected. */
export const idField = z.string().trim().min(1, 'expected a non-empty id')
export const ratingField = z
  .string()
  .trim()
  .regex(/^-?\d+(\.\d+)?$/, 'expected a number')
  .transform(Number)
export const unixTimeField = z
  .string()
  .trim()
  .regex(/^\d+$/, 'expected unix seconds (a whole number)')
  .transform(Number)
/** Unix seconds, or an ISO-8601 date for the generic CSV. */
export const timeField = z
  .string()
  .trim()
  .transform((v, ctx) => {
    if (/^\d+(\.\d+)?$/.test(v)) return Number(v)
    const ms = Date.parse(v)
    if (v === '' || Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: `expected unix seconds or an ISO date (got "${v}")` })
      return z.NEVER
    }
    return ms / 1000
  })

/**
 * Maps positional fields onto names, checks the count, and validates with `schema`;
 * the first problem becomes a DATA_INVALID error naming file, line and field.
 */
export function parseRow<T extends z.ZodType>(
  schema: T,
  names: readonly string[],
  fields: readonly string[],
  file: string,
  line: number,
  opts: { allowExtra?: boolean; optionalFrom?: number } = {},
): z.infer<T> {
  const min = opts.optionalFrom ?? names.length
  if (fields.length < min || (!opts.allowExtra && fields.length > names.length)) {
    throw dataError(file, line, `expected ${min === names.length ? names.length : `${min}-${names.length}`} fields (${names.join(', ')}), got ${fields.length}`)
  }
  const obj: Record<string, string> = {}
  names.forEach((n, k) => {
    if (k < fields.length) obj[n] = fields[k]!
  })
  const r = schema.safeParse(obj)
  if (!r.success) {
    const issue = r.error.issues[0]!
    const field = issue.path.join('.')
    const got = field && obj[field] !== undefined ? ` (got "${obj[field]!.slice(0, 60)}")` : ''
    throw dataError(file, line, `${field ? `${field}: ` : ''}${issue.message}${issue.message.includes('(got') ? '' : got}`)
  }
  return r.data
}
