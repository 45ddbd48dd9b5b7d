import type { SocialAnalysis } from './social-analysis.ts'

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)

/** A bar chart as inline SVG (log scale on y when the values span decades). */
function bars(title: string, points: Array<{ x: string; y: number }>, color: string): string {
  const w = 520
  const h = 180
  const pad = 30
  const log = points.length > 1 && Math.max(...points.map((p) => p.y)) / Math.max(1, Math.min(...points.map((p) => p.y || 1))) > 100
  const f = (y: number) => (log ? Math.log10(1 + y) : y)
  const max = Math.max(1e-9, ...points.map((p) => f(p.y)))
  const bw = (w - pad) / Math.max(1, points.length)
  const rects = points
    .map((p, i) => {
      const bh = ((h - pad) * f(p.y)) / max
      return `<rect x="${pad + i * bw + 1}" y="${h - pad - bh}" width="${Math.max(1, bw - 2)}" height="${bh}" fill="${color}"><title>${esc(p.x)}: ${p.y}</title></rect>` +
        (points.length <= 30 ? `<text x="${pad + i * bw + bw / 2}" y="${h - pad + 12}" font-size="9" text-anchor="middle">${esc(p.x)}</text>` : '')
    })
    .join('')
  return `<figure><figcaption>${esc(title)}${log ? ' (log scale)' : ''}</figcaption><svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img">${rects}<line x1="${pad}" y1="${h - pad}" x2="${w}" y2="${h - pad}" stroke="#888"/></svg></figure>`
}

/** One self-contained HTML page: cascade charts and the social figures of each run, side by side. */
export function renderSocialPage(runs: ReadonlyArray<{ runId: string; label: string; analysis: SocialAnalysis }>): string {
  const colors = ['#3b6fb6', '#d2691e', '#2e8b57', '#8a2be2']
  const sections = runs
    .map(({ runId, label, analysis: a }, k) => {
      const c = colors[k % colors.length]!
      return `<section><h2>${esc(label)} <small>${esc(runId)}</small></h2>
${bars('Cascade sizes: cascades with each number of shares', a.cascades.sizes.map((s) => ({ x: String(s.size), y: s.cascades })), c)}
${bars('Shares at each depth (hops from the origin)', a.cascades.depths.map((d) => ({ x: String(d.depth), y: d.shares })), c)}
${bars('Clicks from friends per round', a.byRound.map((r) => ({ x: String(r.round), y: r.friendClicks })), c)}
<table><tr><th>item</th><th>title</th><th>shares</th><th>cascades</th><th>max depth</th></tr>
${a.cascades.topItems.map((t) => `<tr><td>${t.item}</td><td>${esc(t.title)}</td><td>${t.shares}</td><td>${t.cascades}</td><td>${t.maxDepth}</td></tr>`).join('\n')}
</table></section>`
    })
    .join('\n')
  const rows = figureRows(runs.map((r) => r.analysis))
  const head = `<tr><th>figure</th>${runs.map((r) => `<th>${esc(r.label)}</th>`).join('')}</tr>`
  const body = rows.map(([name, ...vals]) => `<tr><td>${esc(String(name))}</td>${vals.map((v) => `<td>${v}</td>`).join('')}</tr>`).join('\n')
  return `<!doctype html><html><head><meta charset="utf-8"><title>usersim social report</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}figure{display:inline-block;margin:0 1em 1em 0}figcaption{font-size:12px;color:#444}small{color:#888;font-weight:normal}</style>
</head><body><h1>Word of mouth: cascades, friends' clicks, echo chambers</h1>
<table>${head}\n${body}</table>
${sections}
<p>Figures: see docs/social.md.</p></body></html>
`
}

/** The figures compared across runs: one row per figure, one column per run. */
export function figureRows(as: readonly SocialAnalysis[]): Array<[string, ...number[]]> {
  const row = (name: string, f: (a: SocialAnalysis) => number): [string, ...number[]] => [name, ...as.map(f)]
  return [
    row('messages', (a) => a.messages.total),
    row('deliveries', (a) => a.messages.deliveries),
    row('shares', (a) => (a.messages.byKind.share ?? 0) + (a.messages.byKind.recommend ?? 0)),
    row('cascades', (a) => a.cascades.count),
    row('mean cascade size', (a) => a.cascades.meanSize),
    row('max cascade size', (a) => a.cascades.maxSize),
    row('max cascade depth', (a) => a.cascades.maxDepth),
    row('clicks from friends', (a) => a.clicks.fromFriends),
    row('clicks from the recommender', (a) => a.clicks.fromRecommender),
    row("friends' share of clicks", (a) => a.clicks.friendShare),
    row('exposure diversity within users', (a) => a.exposure.within),
    row('exposure diversity, platform', (a) => a.exposure.across),
    row('echo chamber (1 − within/platform)', (a) => a.exposure.echoChamber),
    row('polarisation (JS between communities)', (a) => a.exposure.polarisation),
    row('sharers', (a) => a.influence.senders),
    row('influencer reach Gini', (a) => a.influence.reachGini),
    row('top 1% share of reach', (a) => a.influence.top1PctReach),
  ]
}
