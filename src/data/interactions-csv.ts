import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { parseCsv, type CsvRecord } from './csv.ts'
import { DatasetBuilder, genreList } from './builder.ts'
import { dataError } from './errors.ts'
import { idField, parseRow, ratingField, timeField } from './rows.ts'
import type { Dataset } from './types.ts'

export const INTERACTIONS_FILE = 'interactions.csv'
export const ITEMS_FILE = 'items.csv'

const interactionRow = z.object({ user: idField, item: idField, rating: ratingField, timestamp: timeField })
const itemRow = z.object({
  item: idField,
  title: z.string().trim().optional(),
  genres: z.string().optional(),
  tags: z.string().optional(),
  year: z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined
      if (!/^\d{4}$/.test(v)) {
        ctx.addIssue({ code: 'custom', message: `expected a 4-digit year (got "${v}")` })
        return z.NEVER
      }
      return Number(v)
    }),
})

/** Reads a headed CSV whose columns are found by name; `required` must all be present. */
function* namedRows(path: string, required: readonly string[], optional: readonly string[]) {
  let columns: string[] | undefined
  let pick: number[] = []
  const names = [...required, ...optional]
  for (const rec of parseCsv(readFileSync(path, 'utf8'), path) as Generator<CsvRecord>) {
    if (!columns) {
      columns = rec.fields.map((f) => f.trim().toLowerCase())
      const missing = required.filter((c) => !columns!.includes(c))
      if (missing.length) throw dataError(path, rec.line, `header lacks column(s) ${missing.join(', ')} (needs ${required.join(', ')})`)
      pick = names.map((n) => columns!.indexOf(n))
      continue
    }
    if (rec.fields.length !== columns.length) {
      throw dataError(path, rec.line, `expected ${columns.length} fields like the header, got ${rec.fields.length}`)
    }
    const present = names.filter((_, k) => pick[k]! >= 0)
    yield { line: rec.line, names: present, fields: present.map((n) => rec.fields[pick[names.indexOf(n)]!]!) }
  }
}

/**
 * Loads a generic interaction log: DIR/interactions.csv with a header naming
 * `user,item,rating,timestamp` (any order, extra columns ignored; timestamp in unix
 * seconds or ISO-8601) and, optionally, DIR/items.csv with `item` and any of
 * `title,genres,tags,year` (genres and tags `|`-separated). Without items.csv every
 * item is known by its id only. The rating scale is read off the data.
 *
 * @example
 * const data = loadInteractionsCsv('./my-logs')
 */
export function loadInteractionsCsv(dir: string): Dataset {
  const b = new DatasetBuilder('csv', dir)
  const itemsPath = join(dir, ITEMS_FILE)
  const withItems = existsSync(itemsPath)
  if (withItems) {
    for (const { line, names, fields } of namedRows(itemsPath, ['item'], ['title', 'genres', 'tags', 'year'])) {
      const r = parseRow(itemRow, names, fields, itemsPath, line)
      b.addItem(
        { key: r.item, title: r.title || r.item, genres: genreList(r.genres ?? ''), tags: genreList(r.tags ?? '').map((t) => t.toLowerCase()), year: r.year },
        itemsPath,
        line,
      )
    }
  }
  const path = join(dir, INTERACTIONS_FILE)
  if (!existsSync(path)) throw dataError(path, undefined, 'file not found')
  let min = Infinity
  let max = -Infinity
  let half = false
  for (const { line, names, fields } of namedRows(path, ['user', 'item', 'rating', 'timestamp'], [])) {
    const r = parseRow(interactionRow, names, fields, path, line)
    const item = b.itemOrCreate(r.item, !withItems, path, line, ITEMS_FILE)
    b.addRating(b.userId(r.user), item, r.rating, r.timestamp, path, line)
    min = Math.min(min, r.rating)
    max = Math.max(max, r.rating)
    if (!Number.isInteger(r.rating)) half = true
  }
  return b.build({ min: Number.isFinite(min) ? Math.min(min, 1) : 1, max: Number.isFinite(max) ? Math.max(max, 5) : 5, step: half ? 0.5 : 1 }, path)
}
