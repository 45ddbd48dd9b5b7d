import { randomBytes } from 'node:crypto'
import { SimError } from '../core/index.ts'
import { RunStore } from '../store/index.ts'
import { getStudy, insertStudy, listStudyIds, studiesOfRuns, type StudyKind } from './studies-repo.ts'
import { studyReport, type StudyReport } from './study-views.ts'

/** A new study id, shaped like a run id: `compare-20260101-120000-ab12`. */
export function newStudyId(kind: StudyKind, now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  return `${kind}-${t}-${randomBytes(2).toString('hex')}`
}

/**
 * Stores a study's result (the command's --json object) with the runs it made, in the
 * SQLite file the runs are in. Returns the study id.
 *
 * @example
 * const study = recordStudy('usersim.db', 'compare', out, runIds)
 */
export function recordStudy(db: string, kind: StudyKind, result: unknown, runs: readonly string[]): string {
  const store = new RunStore(db)
  try {
    const id = newStudyId(kind)
    insertStudy(store.db, { id, kind, createdAt: new Date().toISOString(), result, runs: [...runs] })
    return id
  } finally {
    store.close()
  }
}

/** What a report names: run ids (`latest` = the newest run) and studies (`study:ID`, `study:latest`). */
export interface ReportTargets {
  runs: string[]
  studies: string[]
}

const STUDY = 'study:'

/**
 * Splits `a,b,study:c` into run ids and study ids. `latest` names the newest run,
 * `study:latest` the newest study. An unknown study is an error naming the known ones.
 */
export function parseReportTargets(arg: string, store: RunStore): ReportTargets {
  const out: ReportTargets = { runs: [], studies: [] }
  for (const word of arg.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!word.startsWith(STUDY)) {
      out.runs.push(word === 'latest' ? (store.listRuns()[0]?.id ?? word) : word)
      continue
    }
    const name = word.slice(STUDY.length)
    const known = listStudyIds(store.db)
    const id = name === 'latest' ? known[0] : name
    if (!id || !known.includes(id)) {
      const some = known.slice(0, 5).join(', ')
      throw new SimError('RUN_NOT_FOUND', `no study ${name === 'latest' ? 'at all' : `"${name}"`} in ${store.file}${some ? ` (newest: ${some})` : ' (run `npx usersim compare` or `npx usersim eval ranking` with this --db first)'}`)
    }
    out.studies.push(id)
  }
  return out
}

/** The studies named, then those that made any of the runs named (each once, in that order), as the page draws them. */
export function studyReports(store: RunStore, named: readonly string[], runIds: readonly string[]): StudyReport[] {
  const ids = [...new Set([...named, ...studiesOfRuns(store.db, runIds)])]
  return ids.map((id) => {
    const row = getStudy(store.db, id)
    if (!row) throw new SimError('RUN_NOT_FOUND', `no study "${id}" in ${store.file}`)
    return studyReport(row)
  })
}
