import { closeSync, openSync, readFileSync, writeSync } from 'node:fs'
import { z } from 'zod'
import { SimError } from '../core/index.ts'

/** Writes rows as JSON Lines (streamed in chunks); returns the row count. */
export function writeJsonl(path: string, rows: Iterable<unknown>): number {
  const fd = openSync(path, 'w')
  let n = 0
  let buf = ''
  try {
    for (const r of rows) {
      buf += JSON.stringify(r) + '\n'
      n++
      if (buf.length > 1 << 20) {
        writeSync(fd, buf)
        buf = ''
      }
    }
    if (buf) writeSync(fd, buf)
  } finally {
    closeSync(fd)
  }
  return n
}

/** Reads and validates a JSONL file; a bad line is a DATA_INVALID error naming the file, line and field. */
export function readJsonl<T>(path: string, schema: z.ZodType<T>): T[] {
  const out: T[] = []
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return
      let v: unknown
      try {
        v = JSON.parse(line)
      } catch {
        throw new SimError('DATA_INVALID', `${path}:${i + 1}: not valid JSON`)
      }
      const r = schema.safeParse(v)
      if (!r.success) {
        const issue = r.error.issues[0]!
        throw new SimError('DATA_INVALID', `${path}:${i + 1}: field "${issue.path.join('.') || '(row)'}": ${issue.message}`)
      }
      out.push(r.data)
    })
  return out
}

/** Episode-level train/validation split: every record of an agent lands on the same side. */
export function isValidation(seed: number, agent: number, share: number): boolean {
  if (share <= 0) return false
  let h = (Math.imul(agent + 1, 2654435761) ^ Math.imul(seed + 7, 40503)) >>> 0
  h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0
  h = (h ^ (h >>> 13)) >>> 0
  return h / 4294967296 < share
}
