import Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import type { ChatMessage } from '../core/index.ts'

/** What identifies an answer: any change to one of these is a different question. */
export interface CacheKeyParts {
  task: string
  version: number
  model: string
  messages: readonly ChatMessage[]
  /** The output schema as sent (JSON text). */
  schema: string
  temperature: number
  seed: number | undefined
  mode: string
}

/** sha256 of (task, version, model, messages, schema, sampling parameters, seed, output mode). */
export function cacheKey(p: CacheKeyParts): string {
  return createHash('sha256')
    .update(JSON.stringify([p.task, p.version, p.model, p.messages, p.schema, p.temperature, p.seed ?? null, p.mode]))
    .digest('base64url')
}

/** Looks up cached answers. Writes travel with the shard's call records and are committed with it. */
export interface ResponseCache {
  /** The cached output as JSON text, or undefined. */
  get(key: string): string | undefined
  close(): void
}

/**
 * Reads the response cache of a run's SQLite file on a connection of its own (WAL lets
 * it read while the orchestrator writes). Returns undefined when the file is not
 * reachable from this process (e.g. a worker on another machine): the run then simply
 * goes without cache hits.
 */
export function sqliteResponseCache(file: string | undefined): ResponseCache | undefined {
  if (!file || !existsSync(file)) return undefined
  let db: Database.Database | undefined
  try {
    db = new Database(file, { fileMustExist: true })
    db.pragma('busy_timeout = 5000')
    const stmt = db.prepare('SELECT output FROM llm_cache WHERE key = ?').pluck()
    const conn = db
    return {
      get: (key) => stmt.get(key) as string | undefined,
      close: () => conn.close(),
    }
  } catch {
    db?.close()
    return undefined
  }
}
