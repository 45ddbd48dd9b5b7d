import { z } from 'zod'
import { splitLines } from './csv.ts'
import { DatasetBuilder, genreList, yearOf } from './builder.ts'
import { addRatings, readDataFile } from './movielens-100k.ts'
import { idField, parseRow } from './rows.ts'
import type { Dataset } from './types.ts'

/** users.dat occupation codes (ML-1M README). */
const OCCUPATIONS = [
  'other', 'academic/educator', 'artist', 'clerical/admin', 'college/grad student', 'customer service',
  'doctor/health care', 'executive/managerial', 'farmer', 'homemaker', 'K-12 student', 'lawyer', 'programmer',
  'retired', 'sales/marketing', 'scientist', 'self-employed', 'technician/engineer', 'tradesman/craftsman',
  'unemployed', 'writer',
]

const movieRow = z.object({ id: idField, title: z.string().trim().min(1, 'expected a title'), genres: z.string() })
const userRow = z.object({
  user: idField,
  gender: z.enum(['M', 'F'], { message: 'expected M or F' }),
  age: z.string().trim().regex(/^\d+$/, 'expected an age group code').transform(Number),
  occupation: z
    .string()
    .trim()
    .regex(/^\d+$/, 'expected an occupation code 0-20')
    .transform(Number)
    .refine((n) => n <= 20, 'expected an occupation code 0-20'),
  zip: z.string(),
})

/**
 * Loads MovieLens 1M: movies.dat, users.dat and ratings.dat, `::`-separated, latin1.
 * Not redistributable: only the loader ships.
 *
 * @example
 * const data = loadMovieLens1m('/data/ml-1m')
 */
export function loadMovieLens1m(dir: string): Dataset {
  const b = new DatasetBuilder('1m', dir)
  const movies = readDataFile(dir, 'movies.dat', 'latin1')
  for (const { line, fields } of splitLines(movies.text, '::')) {
    const r = parseRow(movieRow, ['id', 'title', 'genres'], fields, movies.path, line)
    b.addItem({ key: r.id, title: r.title, genres: genreList(r.genres), tags: [], year: yearOf(r.title) }, movies.path, line)
  }
  const users = readDataFile(dir, 'users.dat', 'latin1')
  for (const { line, fields } of splitLines(users.text, '::')) {
    const r = parseRow(userRow, ['user', 'gender', 'age', 'occupation', 'zip'], fields, users.path, line)
    b.addUser({ key: r.user, gender: r.gender, age: r.age, occupation: OCCUPATIONS[r.occupation] }, users.path, line)
  }
  return addRatings(b, readDataFile(dir, 'ratings.dat', 'latin1'), '::', { users: 'users.dat', items: 'movies.dat' })
}
