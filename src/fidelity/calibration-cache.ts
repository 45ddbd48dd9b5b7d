import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import type { Catalog, Persona } from '../core/index.ts'
import type { DataFormat } from '../data/index.ts'

/** Bump when calibration changes its output for the same data. */
export const CALIBRATION_VERSION = 15

/** What a simulation needs from a calibration; small enough to cache as JSON. */
export interface CalibratedWorld {
  catalog: Catalog
  personas: Persona[]
  /** Each user's training items, oldest first (the warm-start log; never the held-out part). */
  history: number[][]
  /** Their ratings, aligned with `history`. */
  historyRatings: number[][]
  /** What the history is, e.g. "ml-latest-small: training split, oldest 80 % of each user's ratings". */
  historySource: string
}

const cachedWorld = z.object({
  version: z.literal(CALIBRATION_VERSION),
  key: z.string(),
  catalog: z.object({ items: z.array(z.object({ id: z.number(), vector: z.array(z.number()) }).loose()).min(1), categories: z.array(z.string()), tags: z.array(z.string()) }),
  personas: z.array(z.object({ id: z.number(), hidden: z.object({ taste: z.array(z.number()) }).loose() }).loose()).min(1),
  history: z.array(z.array(z.number())),
  historyRatings: z.array(z.array(z.number())),
  historySource: z.string(),
})

function cacheDir(): string {
  return process.env.USERSIM_CACHE_DIR ?? join(tmpdir(), 'usersim-cache')
}

/** A key that changes with the data files (names, sizes, mtimes) and the calibration options. */
export function calibrationKey(dir: string, format: DataFormat | undefined, options: unknown): string {
  const abs = resolve(dir)
  const files = readdirSync(abs)
    .sort()
    .map((f) => {
      const s = statSync(join(abs, f))
      return [f, s.size, s.mtimeMs]
    })
  return createHash('sha256')
    .update(JSON.stringify([CALIBRATION_VERSION, abs, format ?? null, files, options]))
    .digest('hex')
    .slice(0, 24)
}

/**
 * Calibrates once per data and options on this machine: every worker thread of a run
 * (and every later run) reads the catalog and personas the first one wrote, instead of
 * refitting. A missing, stale or unreadable entry is simply recomputed.
 */
export function cachedCalibration(key: string, compute: () => CalibratedWorld): CalibratedWorld {
  const path = join(cacheDir(), `calibration-${key}.json`)
  try {
    const parsed = cachedWorld.safeParse(JSON.parse(readFileSync(path, 'utf8')))
    if (parsed.success && parsed.data.key === key) return parsed.data as unknown as CalibratedWorld
  } catch {
    // No entry yet (or a torn one): compute below.
  }
  const world = compute()
  try {
    mkdirSync(cacheDir(), { recursive: true })
    const tmp = `${path}.${process.pid}.${Math.random().toString(16).slice(2)}.tmp`
    writeFileSync(tmp, JSON.stringify({ version: CALIBRATION_VERSION, key, ...world }))
    renameSync(tmp, path)
  } catch {
    // A read-only temp dir only costs speed.
  }
  return world
}
