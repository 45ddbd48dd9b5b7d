import { readFileSync } from 'node:fs'
import { runInNewContext } from 'node:vm'
import * as echarts from 'echarts'
import { describe, expect, it } from 'vitest'

type Formatter = (v: number) => string
interface AxisLabels {
  tickFormatter(series: unknown[], format: string, fmt: (v: number, format: string) => string): Formatter
}

// The page's own script, loaded as the report inlines it.
const sandbox: { usersimAxisLabels?: AxisLabels } = {}
runInNewContext(readFileSync(new URL('../../src/report/client/axis-labels.js', import.meta.url), 'utf8'), sandbox)
const { tickFormatter } = sandbox.usersimAxisLabels!

/** The page's number format for table cells (report-app.js `fmt`). */
function fmt(v: number, format: string): string {
  if (format === 'share') return (v * 100).toFixed(Math.abs(v) < 0.1 ? 2 : 1) + '%'
  if (format === 'integer') return Math.round(v).toLocaleString('en-US')
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US')
  return String(Math.round(v * 1000) / 1000)
}

/** The y-axis labels ECharts draws for one line series with this label formatter. */
function yLabels(ys: number[], formatter: Formatter): string[] {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 420, height: 260 })
  try {
    chart.setOption({
      animation: false,
      xAxis: { type: 'value' },
      yAxis: { type: 'value', scale: true, axisLabel: { formatter } },
      series: [{ type: 'line', data: ys.map((y, i) => [i, y]) }],
    })
    const axis = (chart as unknown as { getModel(): { getComponent(t: string): { axis: { getViewLabels(): { formattedLabel: string }[] } } } }).getModel().getComponent('yAxis').axis
    return axis.getViewLabels().map((l) => l.formattedLabel)
  } finally {
    chart.dispose()
  }
}

const series = (ys: number[]) => [{ data: ys.map((y, i) => [i, y]) }]

describe('report y-axis labels', () => {
  // Exposure Gini of a large catalog over four rounds (feed, 200 agents, catalog 20,000).
  const gini = [0.9995, 0.999419, 0.999325, 0.999224]

  it('a narrow range, as the exposure Gini: the table format made every label the same', () => {
    const old = yLabels(gini, (v) => fmt(v, 'number'))
    expect(new Set(old).size).toBeLessThan(old.length)
  })

  it.each([
    ['number', gini],
    ['number', [0.41, 0.43, 0.47, 0.52]],
    ['number', [12.5, 13.1, 12.9]],
    ['number', [1520, 1710, 1650]],
    ['share', [0.0401, 0.0403, 0.0405]],
    ['share', [0.2, 0.35, 0.5]],
    ['integer', [120, 180, 150]],
  ])('%s axis over %j: every tick label distinct', (format, ys) => {
    const labels = yLabels(ys, tickFormatter(series(ys), format, fmt))
    expect(labels.length).toBeGreaterThan(1)
    expect(new Set(labels).size, labels.join(' ')).toBe(labels.length)
  })

  it('keeps the table format where it already tells ticks apart', () => {
    const f = tickFormatter(series([0.41, 0.43, 0.47, 0.52]), 'number', fmt)
    expect(f(0.45)).toBe('0.45')
    expect(tickFormatter(series([0.2, 0.35, 0.5]), 'share', fmt)(0.25)).toBe('25.0%')
  })
})
