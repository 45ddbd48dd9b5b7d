import { z } from 'zod'
import { checkReportPath, recordStudy, writeReport } from '../report/index.ts'

/** `--report FILE` of `compare` and `eval ranking`: the HTML report written when the study ends. */
export const reportFlag = z.string().min(1, '--report must be a file path (e.g. --report report.html)').optional()

/** Checks `--report FILE` before the study starts: a typo should not cost the whole study. */
export function checkReportFlag(file: string | undefined): void {
  if (file !== undefined) checkReportPath(file, '--report')
}

export interface FinishedStudy {
  /** The study id (`npx usersim report study:ID`). */
  study: string
  /** The report written, when --report asked for one. */
  report?: string
}

/**
 * Stores a study's result with its runs in the runs' database and, with --report, writes
 * the study's report page.
 */
export async function finishStudy(o: { db: string; kind: 'compare' | 'ranking'; result: unknown; runs: readonly string[]; report?: string }): Promise<FinishedStudy> {
  const study = recordStudy(o.db, o.kind, o.result, o.runs)
  if (o.report === undefined) return { study }
  const written = await writeReport({ db: o.db, runs: `study:${study}`, out: o.report })
  return { study, report: written.out }
}

/** The lines the table output ends with: where the study is and how to see it. */
export function studyLines(f: FinishedStudy, db: string): string[] {
  return [`study ${f.study} stored in ${db}`, f.report ? `report written to ${f.report}` : `see it: npx usersim report study:${f.study} --db ${db} --out report.html`]
}
