import { SimError } from '../../core/index.ts'

/**
 * Runs `fn`, turning SQLite's "the file is damaged" errors into a clear STORE error that
 * names the database and what was being read, instead of a raw SQLITE_CORRUPT.
 */
export function readingStore<T>(file: string, what: string, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    throw asDamage(err, file, what)
  }
}

export async function readingStoreAsync<T>(file: string, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw asDamage(err, file, what)
  }
}

function asDamage(err: unknown, file: string, what: string): unknown {
  const code = (err as { code?: string }).code ?? ''
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_IOERR_SHORT_READ') {
    return new SimError('STORE_UNAVAILABLE', `database ${file} is damaged (${(err as Error).message}): cannot read ${what}; restore it from a copy`, { cause: err })
  }
  const m = err instanceof SimError && err.code === 'STORE_UNAVAILABLE' ? /(database disk image is malformed|file is not a database)/i.exec(err.message) : null
  if (m) return new SimError('STORE_UNAVAILABLE', `database ${file} is damaged (${m[1]}): cannot read ${what}; restore it from a copy`, { cause: err })
  return err
}
