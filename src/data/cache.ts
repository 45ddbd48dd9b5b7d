import { resolve } from 'node:path'
import { loadDataset } from './load-dataset.ts'
import type { DataFormat, Dataset } from './types.ts'

// The CLI reads a dataset to size the population and to fail fast on bad files; the
// scenario's load hook in the same process then reuses it instead of parsing again.
const cache = new Map<string, Dataset>()

/** `loadDataset`, memoised per (absolute directory, format) in this thread. */
export function loadDatasetCached(dir: string, format?: DataFormat): Dataset {
  const key = `${resolve(dir)}\0${format ?? ''}`
  let d = cache.get(key)
  if (!d) {
    d = loadDataset(dir, format)
    if (cache.size >= 2) cache.clear()
    cache.set(key, d)
  }
  return d
}
