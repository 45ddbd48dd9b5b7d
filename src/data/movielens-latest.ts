import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { parseCsv, type CsvRecord } from './csv.ts'
import { checkScale, DatasetBuilder, genreList, yearOf } from './builder.ts'
import { dataError } from './errors.ts'
import { idField, parseRow, ratingField, unixTimeField } from './rows.ts'
import type { Dataset } from './types.ts'

const movieRow = z.object({ movieId: idField, title: z.string().trim().min(1, 'expected a title'), genres: z.string() })
const ratingRow = z.object({ userId: idField, movieId: idField, rating: ratingField, timestamp: unixTimeField })
const tagRow = z.object({ userId: idField, movieId: idField, tag: z.string(), timestamp: unixTimeField })

const SCALE = { min: 0.5, max: 5, step: 0.5 }

/** Reads a CSV with a header, checking the header names the expected columns in order. */
export function* csvRows(dir: string, name: string, columns: readonly string[]): Generator<CsvRecord & { path: string }> {
  const path = join(dir, name)
  if (!existsSync(path)) throw dataError(path, undefined, 'file not found')
  let header = true
  for (const rec of parseCsv(readFileSync(path, 'utf8'), path)) {
    if (header) {
      header = false
      const got = rec.fields.map((f) => f.trim())
      if (columns.some((c, k) => got[k] !== c)) {
        throw dataError(path, rec.line, `expected header ${columns.join(',')} (got ${got.join(',')})`)
      }
      continue
    }
    ;(rec as CsvRecord & { path: string }).path = path
    yield rec as CsvRecord & { path: string }
  }
}

/**
 * Loads MovieLens "latest" (ml-latest, ml-latest-small, ml-25m/32m share the layout):
 * movies.csv, ratings.csv and, when present, tags.csv. Half-star ratings 0.5–5.
 *
 * @example
 * const data = loadMovieLensLatest('../shared/data/ml-latest-small')
 */
export function loadMovieLensLatest(dir: string): Dataset {
  const b = new DatasetBuilder('latest', dir)
  for (const { line, fields, path } of csvRows(dir, 'movies.csv', ['movieId', 'title', 'genres'])) {
    const r = parseRow(movieRow, ['movieId', 'title', 'genres'], fields, path, line)
    b.addItem({ key: r.movieId, title: r.title, genres: genreList(r.genres), tags: [], year: yearOf(r.title) }, path, line)
  }
  const ratingsPath = join(dir, 'ratings.csv')
  for (const { line, fields, path } of csvRows(dir, 'ratings.csv', ['userId', 'movieId', 'rating', 'timestamp'])) {
    const r = parseRow(ratingRow, ['userId', 'movieId', 'rating', 'timestamp'], fields, path, line)
    checkScale(r.rating, SCALE, path, line)
    const item = b.itemOrCreate(r.movieId, false, path, line, 'movies.csv')
    b.addRating(b.userId(r.userId), item, r.rating, r.timestamp, path, line)
  }
  if (existsSync(join(dir, 'tags.csv'))) {
    for (const { line, fields, path } of csvRows(dir, 'tags.csv', ['userId', 'movieId', 'tag', 'timestamp'])) {
      const r = parseRow(tagRow, ['userId', 'movieId', 'tag', 'timestamp'], fields, path, line)
      const item = b.itemOrCreate(r.movieId, false, path, line, 'movies.csv')
      const tag = r.tag.trim().toLowerCase()
      if (tag) b.tagApplications.push({ user: b.knownUser(r.userId), item, tag, time: r.timestamp })
    }
  }
  return b.build(SCALE, ratingsPath)
}
