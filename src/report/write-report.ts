import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { SimError } from '../core/index.ts'
import { RunStore } from '../store/index.ts'
import { parseRunIds, ReportBuilder, type ReportOptions } from './report-data.ts'
import { renderReportHtml } from './render-html.ts'

export interface WrittenReport {
  out: string
  bytes: number
  runs: string[]
  /** Bytes of the embedded data (the rest is the chart library, script and styles). */
  dataBytes: number
}

/**
 * Writes one self-contained HTML report for one or more runs of a database.
 * The file is written next to its destination and renamed, so a failed report never
 * leaves half a file behind.
 *
 * @example
 * await writeReport({ db: 'usersim.db', runs: 'feed-20260101-120000-ab12,latest', out: 'report.html' })
 */
export async function writeReport(opts: { db: string; runs: string; out: string } & ReportOptions): Promise<WrittenReport> {
  const store = new RunStore(opts.db, { readonly: true })
  try {
    const ids = parseRunIds(opts.runs, store)
    if (ids.length === 0) throw new SimError('USAGE', 'name at least one run id (comma-separated), or "latest"')
    const data = await new ReportBuilder(store, opts).build(ids)
    const html = renderReportHtml(data)
    const out = resolve(opts.out)
    if (!existsSync(dirname(out))) throw new SimError('USAGE', `cannot write ${out}: the directory ${dirname(out)} does not exist`)
    if (existsSync(out) && statSync(out).isDirectory()) throw new SimError('USAGE', `cannot write ${out}: it is a directory (give a file name, e.g. ${join(opts.out, 'report.html')})`)
    const tmp = `${out}.tmp-${process.pid}`
    try {
      writeFileSync(tmp, html)
      renameSync(tmp, out)
    } catch (err) {
      rmSync(tmp, { force: true })
      throw new SimError('USAGE', `cannot write ${out}: ${(err as Error).message}`, { cause: err })
    }
    return { out, bytes: Buffer.byteLength(html), runs: ids, dataBytes: Buffer.byteLength(JSON.stringify(data)) }
  } finally {
    store.close()
  }
}
