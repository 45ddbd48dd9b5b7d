/*
 * Y-axis tick labels of the report's charts. Inlined in the page before report-app.js (one
 * script); tests load it on its own and run it through ECharts.
 *
 * Ticks over a narrow range (an exposure Gini between 0.9992 and 0.9995) need more digits
 * than a table cell shows, or every label reads the same: as many as the tick step needs.
 */
;(function (root) {
  'use strict'

  /** A label formatter for the y axis of `series`; `fmt(v, format)` is the page's number format. */
  function tickFormatter(series, format, fmt) {
    var lo = Infinity
    var hi = -Infinity
    ;(series || []).forEach(function (s) {
      (s.data || []).forEach(function (d) {
        var y = Array.isArray(d) ? d[1] : d !== null && typeof d === 'object' ? d.value : d
        if (typeof y === 'number' && isFinite(y)) {
          lo = Math.min(lo, y)
          hi = Math.max(hi, y)
        }
      })
    })
    // ECharts picks about five ticks; a tick step needs its first significant digit shown.
    var step = ((hi - lo) / 5) * (format === 'share' ? 100 : 1)
    if (format === 'integer' || !(step > 0)) return function (v) { return fmt(v, format) }
    var digits = Math.min(8, Math.max(0, Math.ceil(-Math.log10(step))))
    if (format === 'share') return function (v) { return (v * 100).toFixed(Math.max(digits, Math.abs(v) < 0.1 ? 2 : 1)) + '%' }
    return function (v) {
      if (Math.abs(v) >= 1000 && digits === 0) return Math.round(v).toLocaleString('en-US')
      var p = Math.pow(10, Math.max(3, digits))
      return String(Math.round(v * p) / p)
    }
  }

  root.usersimAxisLabels = { tickFormatter: tickFormatter }
})(typeof window !== 'undefined' ? window : globalThis)
