import type { RunStore } from '../store/index.ts'

/** What an export wrote. */
export interface ExportResult {
  /** Paths of the files written. */
  files: string[]
  /** Records (rows, pairs, samples) written in total. */
  records: number
  /** Figures about what was kept and dropped (pair exports: counts by reason, mean verified gain). */
  summary?: Record<string, unknown>
}

/**
 * One format of `usersim export <run-id> --format NAME --out DIR`.
 *
 * @example
 * registerExportFormat({
 *   name: 'events-csv',
 *   description: 'one CSV row per agent and round',
 *   write: (store, runId, outDir) => { ...; return { files: [join(outDir, 'events.csv')], records: n } },
 * })
 */
export interface ExportFormat {
  name: string
  description: string
  write(store: RunStore, runId: string, outDir: string, opts: Record<string, unknown>): ExportResult | Promise<ExportResult>
}

const formats = new Map<string, ExportFormat>()

/** Adds a format (a name may be registered once). */
export function registerExportFormat(format: ExportFormat): void {
  if (formats.has(format.name)) throw new Error(`export format "${format.name}" is registered twice`)
  formats.set(format.name, format)
}

export function exportFormat(name: string): ExportFormat | undefined {
  return formats.get(name)
}

export function exportFormats(): ExportFormat[] {
  return [...formats.values()].sort((a, b) => a.name.localeCompare(b.name))
}
