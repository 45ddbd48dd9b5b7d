import Database from 'better-sqlite3'
import { existsSync, mkdirSync, accessSync, constants } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { SimError } from '../../core/index.ts'
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts'

export type Db = Database.Database

/**
 * Opens (or creates) a usersim database and brings its schema up to date.
 * A file that is not a usersim database, or one made by a newer usersim, is refused
 * with a clear message and left untouched.
 */
export function openDatabase(file: string, opts: { mustExist?: boolean; readonly?: boolean } = {}): Db {
  const path = resolve(file)
  const exists = existsSync(path)
  if (!exists && (opts.mustExist || opts.readonly)) {
    throw new SimError('STORE_UNAVAILABLE', `database not found: ${path}`)
  }
  if (!exists) {
    try {
      makeParents(dirname(path))
      accessSync(dirname(path), constants.W_OK)
    } catch (err) {
      throw new SimError('STORE_UNAVAILABLE', `cannot create database ${path}: ${(err as Error).message}`, { cause: err })
    }
  }
  let db: Db
  try {
    db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: exists })
  } catch (err) {
    throw new SimError('STORE_UNAVAILABLE', `cannot open database ${path}: ${(err as Error).message}`, { cause: err })
  }
  try {
    const version = db.pragma('user_version', { simple: true }) as number
    if (version === 0) {
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }
      if (tables.n > 0) throw new SimError('STORE_SCHEMA', `${path} is not a usersim database (it has tables but no usersim schema version)`)
    }
    if (version > SCHEMA_VERSION) {
      throw new SimError(
        'STORE_SCHEMA',
        `${path} has schema version ${version}, newer than this usersim understands (${SCHEMA_VERSION}); upgrade usersim to read it`,
      )
    }
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      db.pragma('busy_timeout = 5000')
      if (version < SCHEMA_VERSION) migrate(db, version)
    }
    return db
  } catch (err) {
    db.close()
    if (err instanceof SimError) throw err
    throw new SimError('STORE_UNAVAILABLE', `cannot use database ${path}: ${(err as Error).message}`, { cause: err })
  }
}

/**
 * Creates missing parent folders one level at a time. (mkdirSync's recursive mode can
 * spin forever on special filesystems such as /proc, where mkdir answers ENOENT.)
 */
function makeParents(dir: string): void {
  const missing: string[] = []
  let d = dir
  while (!existsSync(d)) {
    missing.push(d)
    const up = dirname(d)
    if (up === d) break
    d = up
  }
  for (const m of missing.reverse()) mkdirSync(m)
}

function migrate(db: Db, from: number): void {
  // All pending steps in one transaction: a failed upgrade leaves the old schema intact.
  db.transaction(() => {
    for (const m of MIGRATIONS) {
      if (m.version <= from) continue
      if (m.sql.trim()) db.exec(m.sql)
      db.pragma(`user_version = ${m.version}`)
    }
  })()
}
