import { terminalSafe } from './terminal-safe.ts'

/** Formats rows as an aligned text table (numbers right-aligned). */
export function formatTable(headers: string[], rows: Array<Array<string | number>>): string {
  // A metric that did not apply is stored as null (JSON has no NaN): shown as a dash.
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c == null ? '–' : terminalSafe(c))))
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)))
  const numeric = headers.map((_, i) => rows.every((r) => typeof r[i] === 'number' || r[i] === null))
  const line = (r: string[]) =>
    r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n')
}

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return '–'
  if (Number.isInteger(x)) return x.toLocaleString('en-US')
  const a = Math.abs(x)
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(3)
}
