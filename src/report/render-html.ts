import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { SimError } from '../core/index.ts'
import type { ReportData } from './report-data.ts'

/**
 * ECharts' "common" build: line, bar and scatter charts, tooltip, legend, mark lines — all
 * the report draws — at 0.7 MB against 1.1 MB for the full build, so every report is 0.4 MB
 * smaller.
 */
const ECHARTS_FILE = 'echarts/dist/echarts.common.min.js'

let assets: { echarts: string; app: string; css: string } | undefined

function loadAssets() {
  if (!assets) {
    const require = createRequire(import.meta.url)
    let echartsPath: string
    try {
      echartsPath = require.resolve(ECHARTS_FILE)
    } catch (err) {
      throw new SimError('INTERNAL', `the chart library is missing (${ECHARTS_FILE}); reinstall usersim's dependencies`, { cause: err })
    }
    assets = {
      echarts: readFileSync(echartsPath, 'utf8'),
      // One page script: the axis labels and the study sections first (report-app.js uses them), then the app.
      app: ['axis-labels.js', 'study-sections.js', 'report-app.js'].map((f) => readFileSync(new URL(`./client/${f}`, import.meta.url), 'utf8')).join('\n'),
      css: readFileSync(new URL('./client/report.css', import.meta.url), 'utf8'),
    }
    for (const [name, text] of Object.entries(assets)) {
      // Inlined text must not be able to close its own <script>/<style> element.
      if (/<\/(script|style)/i.test(text) || text.includes('<!--')) throw new SimError('INTERNAL', `asset ${name} cannot be inlined safely`)
    }
  }
  return assets
}

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/**
 * JSON for a `<script type="application/json">` element: `<`, `>` and `&` become \u escapes,
 * so no data can close the element or open a comment, and the line separators U+2028/9
 * (valid in JSON, not in older JS) are escaped too. `JSON.parse` gives back the same value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`

export interface RenderOptions {
  /** Live page: no embedded data; the page polls the server it came from. */
  live?: { pollMs: number; runs: string[] }
}

/**
 * The report page: one HTML document with the chart library, the page script, the styles
 * and the data inlined. It loads nothing from the network; a Content-Security-Policy
 * allows only these exact scripts (by hash), so even a string that slipped past the
 * escaping could not run.
 *
 * @example
 * writeFileSync('report.html', renderReportHtml(await new ReportBuilder(store).build([runId])))
 */
export function renderReportHtml(data: ReportData | null, opts: RenderOptions = {}): string {
  const a = loadAssets()
  const payload = opts.live
    ? `<script type="application/json" id="usersim-live">${jsonForScript(opts.live)}</script>`
    : `<script type="application/json" id="usersim-data">${jsonForScript(data)}</script>`
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(a.echarts)} ${sha256(a.app)}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    opts.live ? "connect-src 'self'" : '',
    "base-uri 'none'",
    "form-action 'none'",
  ]
    .filter(Boolean)
    .join('; ')
  const title = data ? `usersim report — ${[...(data.studies ?? []).map((st) => st.id), ...data.runs.map((r) => r.id)].join(', ')}` : 'usersim live'
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="generator" content="usersim">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${a.css}</style>
</head>
<body>
<div id="report"><main><p class="empty">Loading the report… (it needs JavaScript)</p></main></div>
${payload}
<script>${a.echarts}</script>
<script>${a.app}</script>
</body>
</html>
`
}
