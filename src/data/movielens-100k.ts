import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { splitLines } from './csv.ts'
import { checkScale, DatasetBuilder } from './builder.ts'
import { dataError } from './errors.ts'
import { idField, parseRow, ratingField, unixTimeField } from './rows.ts'
import type { Dataset } from './types.ts'

/** The 19 genre flags of u.item, in column order (u.genre). */
export const ML100K_GENRES = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
] as const

const flag = z.enum(['0', '1'], { message: 'expected a genre flag 0 or 1' })
const itemRow = z.object({
  id: idField,
  title: z.string().trim().min(1, 'expected a title'),
  release: z.string(),
  video: z.string(),
  url: z.string(),
  ...Object.fromEntries(ML100K_GENRES.map((g) => [g, flag])),
}) as z.ZodType<Record<string, string>>
const ratingRow = z.object({ user: idField, item: idField, rating: ratingField, timestamp: unixTimeField })
const userRow = z.object({
  user: idField,
  age: z.string().trim().regex(/^\d+$/, 'expected an age in years').transform(Number),
  gender: z.enum(['M', 'F'], { message: 'expected M or F' }),
  occupation: z.string().trim().min(1, 'expected an occupation'),
  zip: z.string(),
})

const SCALE = { min: 1, max: 5, step: 1 }

export function readDataFile(dir: string, name: string, encoding: BufferEncoding): { path: string; text: string } {
  const path = join(dir, name)
  if (!existsSync(path)) throw dataError(path, undefined, 'file not found')
  return { path, text: readFileSync(path, encoding) }
}

/**
 * Loads MovieLens 100K: u.item (pipe-separated, latin1, 19 genre flags), u.data
 * (tab-separated user, item, rating, timestamp) and u.user. The data may not be
 * redistributed, so only this loader ships.
 *
 * @example
 * const data = loadMovieLens100k('/data/ml-100k')
 */
export function loadMovieLens100k(dir: string): Dataset {
  const b = new DatasetBuilder('100k', dir)
  const items = readDataFile(dir, 'u.item', 'latin1')
  const itemNames = ['id', 'title', 'release', 'video', 'url', ...ML100K_GENRES]
  for (const { line, fields } of splitLines(items.text, '|')) {
    const r = parseRow(itemRow, itemNames, fields, items.path, line)
    const year = /(\d{4})\s*$/.exec(r.release!)?.[1] ?? /\((\d{4})\)\s*$/.exec(r.title!)?.[1]
    const genres = ML100K_GENRES.filter((g) => r[g] === '1' && g !== 'unknown')
    b.addItem({ key: r.id!, title: r.title!, genres, tags: [], year: year ? Number(year) : undefined }, items.path, line)
  }
  const users = readDataFile(dir, 'u.user', 'latin1')
  for (const { line, fields } of splitLines(users.text, '|')) {
    const r = parseRow(userRow, ['user', 'age', 'gender', 'occupation', 'zip'], fields, users.path, line)
    b.addUser({ key: r.user, age: r.age, gender: r.gender, occupation: r.occupation }, users.path, line)
  }
  return addRatings(b, readDataFile(dir, 'u.data', 'latin1'), '\t', { users: 'u.user', items: 'u.item' })
}

/**
 * The ratings file of the GroupLens releases (100K, 1M): user, item, rating 1–5, unix
 * time, for users already read and items read or created; then the data set.
 */
export function addRatings(b: DatasetBuilder, ratings: { path: string; text: string }, separator: string, files: { users: string; items: string }): Dataset {
  for (const { line, fields } of splitLines(ratings.text, separator)) {
    const r = parseRow(ratingRow, ['user', 'item', 'rating', 'timestamp'], fields, ratings.path, line)
    checkScale(r.rating, SCALE, ratings.path, line)
    const user = b.knownUser(r.user)
    if (user < 0) throw dataError(ratings.path, line, `user ${r.user} is not in ${files.users}`)
    b.addRating(user, b.itemOrCreate(r.item, false, ratings.path, line, files.items), r.rating, r.timestamp, ratings.path, line)
  }
  return b.build(SCALE, ratings.path)
}
