import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { SimError } from '../core/index.ts'
import { RunStore } from '../store/index.ts'
import { ReportBuilder, type ReportOptions } from './report-data.ts'
import { parseReportTargets } from './studies.ts'
import { renderReportHtml } from './render-html.ts'

export interface WrittenReport {
  out: string
  bytes: number
  runs: string[]
  /** The studies drawn: those named (`study:ID`) and those that made a run named. */
  studies: string[]
  /** Bytes of the embedded data (the rest is the chart library, script and styles). */
  dataBytes: number
}

/** Refuses an output path that cannot be written (before a long study, not after it). */
export function checkReportPath(file: string, flag = '--out'): string {
  const out = resolve(file)
  if (!existsSync(dirname(out))) throw new SimError('USAGE', `${flag}: cannot write ${out}: the directory ${dirname(out)} does not exist`)
  if (existsSync(out) && statSync(out).isDirectory()) throw new SimError('USAGE', `${flag}: cannot write ${out}: it is a directory (give a file name, e.g. ${join(file, 'report.html')})`)
  return out
}

/**
 * Writes one self-contained HTML report for one or more runs and studies of a database.
 * `runs` is comma-separated: run ids, `latest`, `study:ID`, `study:latest`.
 * The file is written next to its destination and renamed, so a failed report never
 * leaves half a file behind.
 *
 * @example
 * await writeReport({ db: 'usersim.db', runs: 'feed-20260101-120000-ab12,latest', out: 'report.html' })
 */
export async function writeReport(opts: { db: string; runs: string; out: string } & ReportOptions): Promise<WrittenReport> {
  const store = new RunStore(opts.db, { readonly: true })
  try {
    const { runs: ids, studies } = parseReportTargets(opts.runs, store)
    if (ids.length === 0 && studies.length === 0) throw new SimError('USAGE', 'name at least one run id or study (comma-separated): RUN_ID, latest, study:ID or study:latest')
    const out = checkReportPath(opts.out)
    const data = await new ReportBuilder(store, opts).build(ids, studies)
    const html = renderReportHtml(data)
    const tmp = `${out}.tmp-${process.pid}`
    try {
      writeFileSync(tmp, html)
      renameSync(tmp, out)
    } catch (err) {
      rmSync(tmp, { force: true })
      throw new SimError('USAGE', `cannot write ${out}: ${(err as Error).message}`, { cause: err })
    }
    return { out, bytes: Buffer.byteLength(html), runs: ids, studies: (data.studies ?? []).map((s) => s.id), dataBytes: Buffer.byteLength(JSON.stringify(data)) }
  } finally {
    store.close()
  }
}
