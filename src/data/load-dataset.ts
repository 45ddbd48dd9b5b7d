import { existsSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { SimError } from '../core/index.ts'
import { INTERACTIONS_FILE, loadInteractionsCsv } from './interactions-csv.ts'
import { loadMovieLens100k } from './movielens-100k.ts'
import { loadMovieLens1m } from './movielens-1m.ts'
import { loadMovieLensLatest } from './movielens-latest.ts'
import { DATA_FORMATS, type DataFormat, type Dataset } from './types.ts'

/** The file that identifies each format inside a data directory. */
const MARKERS: Record<DataFormat, string> = {
  latest: 'movies.csv',
  '100k': 'u.data',
  '1m': 'ratings.dat',
  csv: INTERACTIONS_FILE,
}

/** Guesses the format of a data directory from the files in it. */
export function detectFormat(dir: string): DataFormat {
  const found = DATA_FORMATS.filter((f) => existsSync(join(dir, MARKERS[f])))
  if (found.length === 0) {
    throw new SimError(
      'DATA_INVALID',
      `${dir}: no known data files (expected one of ${DATA_FORMATS.map((f) => `${MARKERS[f]} (${f})`).join(', ')})`,
    )
  }
  return found[0]!
}

/**
 * Loads a dataset directory in a known format (detected when not given).
 *
 * @example
 * const data = loadDataset('../shared/data/ml-latest-small')          // format 'latest'
 * const ml1m = loadDataset('/data/ml-1m', '1m')
 */
export function loadDataset(dir: string, format?: DataFormat): Dataset {
  const abs = resolve(dir)
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new SimError('DATA_INVALID', `data directory not found: ${abs}`)
  const f = format ?? detectFormat(abs)
  switch (f) {
    case 'latest':
      return loadMovieLensLatest(abs)
    case '100k':
      return loadMovieLens100k(abs)
    case '1m':
      return loadMovieLens1m(abs)
    case 'csv':
      return loadInteractionsCsv(abs)
  }
}
