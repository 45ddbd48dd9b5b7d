/*
 * The report's study sections: a `usersim compare` A/B test and a `usersim eval ranking`
 * study. Inlined in the page before report-app.js, which calls
 * usersimStudySections(ui) with its DOM and chart helpers; the chart options are plain
 * functions of the data, so tests load this file on its own and run them through ECharts.
 * Text from the data reaches the page as text only (ui.h sets textContent; the charts draw
 * on canvas with richText tooltips).
 */
;(function (root) {
  'use strict'

  // The page's eight run colours, then four more: eval ranking compares ten policies by default.
  var PALETTE = ['#2f6fde', '#e4572e', '#17a589', '#a05195', '#d99a1e', '#577590', '#bc4749', '#6a994e', '#1b998b', '#8f5c38', '#e07bb0', '#4d4d8f']
  var VERDICT_COLORS = { higher: '#17803d', lower: '#b42318', 'cannot be told apart': '#8a94a3' }
  var REAL_COLOR = '#1d2330'
  var GRID_LINE = { lineStyle: { color: '#eef0f4' } }

  /** A study figure: shares as percent (differences of shares in percentage points), others with 4 decimals. */
  function num(v, format, diff) {
    if (v === null || v === undefined || typeof v !== 'number' || isNaN(v)) return '—'
    if (format === 'corr') return v.toFixed(2)
    if (format === 'share') return (diff && v > 0 ? '+' : '') + (v * 100).toFixed(2) + (diff ? ' pp' : '%')
    var a = Math.abs(v)
    var s = a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(3) : v.toFixed(4)
    return (diff && v > 0 ? '+' : '') + s
  }
  function est(e, format, diff) {
    return e ? num(e.value, format, diff) + ' [' + num(e.lo, format, diff) + ', ' + num(e.hi, format, diff) + ']' : '—'
  }

  /** An axis range holding every interval (and 0 when asked), padded a little. */
  function extent(los, his, withZero) {
    var lo = Math.min.apply(null, los.concat(withZero ? [0] : []))
    var hi = Math.max.apply(null, his.concat(withZero ? [0] : []))
    var pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.1 || 0.01
    return { min: lo - pad, max: hi + pad }
  }

  /**
   * Dot-and-whisker chart, one row per estimate (top to bottom in `rows` order):
   * rows = [{ label, value, lo, hi, color, note }]. With `zero`, a dashed line at 0 (a
   * forest plot of differences).
   */
  function whiskerOption(rows, format, opts) {
    opts = opts || {}
    var labels = rows.map(function (r) { return r.label })
    var x = extent(rows.map(function (r) { return r.lo }), rows.map(function (r) { return r.hi }), opts.zero)
    var lines = rows.map(function (r) {
      return [{ coord: [r.lo, r.label], lineStyle: { color: r.color, width: 2, type: 'solid' } }, { coord: [r.hi, r.label] }]
    })
    if (opts.zero) lines.push({ xAxis: 0, lineStyle: { color: '#5f6b7a', type: 'dashed', width: 1 } })
    return {
      animation: false,
      grid: { left: 8, right: 18, top: 8, bottom: opts.xName ? 30 : 8, containLabel: true },
      tooltip: {
        trigger: 'item', renderMode: 'richText',
        formatter: function (p) {
          var r = rows[p.dataIndex]
          return r ? r.label + ': ' + num(r.value, format, opts.zero) + ' [' + num(r.lo, format, opts.zero) + ', ' + num(r.hi, format, opts.zero) + ']' + (r.note ? '\n' + r.note : '') : ''
        },
      },
      xAxis: {
        type: 'value', min: x.min, max: x.max, name: opts.xName, nameLocation: 'middle', nameGap: 22, nameTextStyle: { fontSize: 10 },
        axisLabel: { formatter: function (v) { return num(v, format, opts.zero) }, hideOverlap: true, showMinLabel: false, showMaxLabel: false }, splitLine: GRID_LINE,
      },
      // The category axis runs bottom-up; inverse puts the first row on top.
      yAxis: { type: 'category', data: labels, inverse: true, axisTick: { show: false } },
      series: [{
        name: opts.name || 'estimate', type: 'scatter', symbolSize: 9,
        data: rows.map(function (r) { return { value: [r.value, r.label], itemStyle: { color: r.color } } }),
        // Dashed by default (the zero line); each whisker sets its own solid style.
        markLine: { silent: true, symbol: 'none', animation: false, label: { show: false }, lineStyle: { type: 'dashed', color: '#5f6b7a' }, data: lines },
      }],
    }
  }

  /**
   * One policy per point: an offline (real) metric on x against a simulated one on y, each
   * with its 95 % interval as a whisker; points = [{ label, x: {value, lo, hi}, y: … }].
   */
  function agreementOption(points, xName, yName) {
    var x = extent(points.map(function (p) { return p.x.lo }), points.map(function (p) { return p.x.hi }))
    var y = extent(points.map(function (p) { return p.y.lo }), points.map(function (p) { return p.y.hi }))
    var lines = []
    points.forEach(function (p, i) {
      var style = { color: PALETTE[i % PALETTE.length], width: 1.5, type: 'solid' }
      lines.push([{ coord: [p.x.lo, p.y.value], lineStyle: style }, { coord: [p.x.hi, p.y.value] }])
      lines.push([{ coord: [p.x.value, p.y.lo], lineStyle: style }, { coord: [p.x.value, p.y.hi] }])
    })
    return {
      animation: false,
      grid: { left: 8, right: 24, top: 26, bottom: 30, containLabel: true },
      tooltip: {
        trigger: 'item', renderMode: 'richText',
        formatter: function (p) {
          var q = points[p.dataIndex]
          return q ? q.label + '\n' + xName + ': ' + est(q.x) + '\n' + yName + ': ' + est(q.y) : ''
        },
      },
      xAxis: { type: 'value', min: x.min, max: x.max, name: xName, nameLocation: 'middle', nameGap: 22, nameTextStyle: { fontSize: 10 }, axisLabel: { formatter: function (v) { return num(v) }, hideOverlap: true, showMinLabel: false, showMaxLabel: false }, splitLine: GRID_LINE },
      yAxis: { type: 'value', min: y.min, max: y.max, name: yName, nameTextStyle: { fontSize: 10, align: 'left' }, axisLabel: { formatter: function (v) { return num(v) }, showMinLabel: false, showMaxLabel: false }, splitLine: GRID_LINE },
      series: [{
        name: 'policies', type: 'scatter', symbolSize: 9,
        data: points.map(function (p, i) { return { name: p.label, value: [p.x.value, p.y.value], itemStyle: { color: PALETTE[i % PALETTE.length] } } }),
        label: { show: true, position: 'right', fontSize: 10, color: '#5f6b7a', formatter: function (p) { return p.name } },
        labelLayout: { hideOverlap: true },
        markLine: { silent: true, symbol: 'none', animation: false, label: { show: false }, data: lines },
      }],
    }
  }

  /** Rank against rank (1 = best on each side), with the diagonal where the orderings agree. */
  function rankOption(points, xName, yName) {
    var n = points.length
    // Ticks at 0 … n+1, labelled 1 … n only: the points keep clear of the frame.
    var axis = function (name, extra) {
      var a = { type: 'value', min: 0, max: n + 1, interval: 1, name: name, nameTextStyle: { fontSize: 10 }, splitLine: GRID_LINE,
        axisLabel: { formatter: function (v) { return v >= 1 && v <= n ? String(v) : '' } } }
      for (var k in extra) a[k] = extra[k]
      return a
    }
    return {
      animation: false,
      grid: { left: 8, right: 24, top: 24, bottom: 30, containLabel: true },
      tooltip: {
        trigger: 'item', renderMode: 'richText',
        formatter: function (p) {
          var q = points[p.dataIndex]
          return p.seriesIndex === 0 && q ? q.label + '\nrank ' + q.xRank + ' by ' + xName + '\nrank ' + q.yRank + ' by ' + yName : ''
        },
      },
      xAxis: axis(xName + ' rank', { nameLocation: 'middle', nameGap: 22 }),
      // Inverse, so rank 1 is on top; the name goes where the axis starts (the top).
      yAxis: axis(yName + ' rank', { inverse: true, nameLocation: 'start', nameTextStyle: { fontSize: 10, align: 'left' } }),
      series: [
        {
          name: 'policies', type: 'scatter', symbolSize: 9,
          data: points.map(function (p, i) { return { name: p.label, value: [p.xRank, p.yRank], itemStyle: { color: PALETTE[i % PALETTE.length] } } }),
          label: { show: true, position: 'right', fontSize: 10, color: '#5f6b7a', formatter: function (p) { return p.name } },
          labelLayout: { hideOverlap: true },
        },
        { name: 'same order', type: 'line', silent: true, showSymbol: false, color: '#b6bec9', lineStyle: { type: 'dashed' }, data: [[1, 1], [n, n]] },
      ],
    }
  }

  /** Real against simulated shares per bin: the real one in dark, each policy in its colour (`colors` by policy label, optional). */
  function distributionOption(d, colors) {
    var series = []
    if (d.real) series.push({ name: 'real', type: 'bar', color: REAL_COLOR, data: d.real })
    d.simulated.forEach(function (s, i) {
      series.push({ name: s.policy, type: 'bar', color: (colors && colors[s.policy]) || PALETTE[i % PALETTE.length], data: s.shares })
    })
    return {
      animation: false,
      grid: { left: 8, right: 14, top: 34, bottom: 8, containLabel: true },
      legend: { top: 0, type: 'scroll', textStyle: { fontSize: 11 } },
      tooltip: { trigger: 'axis', renderMode: 'richText', valueFormatter: function (v) { return num(v, 'share') } },
      xAxis: { type: 'category', data: d.bins },
      yAxis: { type: 'value', min: 0, axisLabel: { formatter: function (v) { return Math.round(v * 1000) / 10 + '%' } }, splitLine: GRID_LINE },
      series: series,
    }
  }

  function sections(ui) {
    var h = ui.h
    var table = ui.table
    var sized = function (el, rows) { el.style.height = Math.max(120, 40 + rows * 26) + 'px'; return el }
    var anchor = function (i) { return 'study-' + i }
    var head = function (s, title, facts) {
      return [h('h2', { text: title }), h('p', { class: 'muted small', text: 'study ' + s.id + ' · ' + s.createdAt.replace('T', ' ').slice(0, 19) + ' UTC · ' + facts })]
    }

    function compareSection(s, i) {
      var c = s.compare
      var parts = head(s, 'A/B test: ' + c.scenario,
        c.policies.length + ' policies × ' + c.seeds.length + ' seed(s) (' + c.seeds.join(', ') + ') · ' + ui.fmt(c.units, 'integer') + ' (seed, user) units per policy · ' + c.test)
      parts.push(h('h3', { text: 'Estimates per policy (mean over units, 95% bootstrap CI)' }),
        table(['policy'].concat(c.metrics.map(function (m) { return m.label })).concat(['runs']), c.policies.map(function (p) {
          return [p.label].concat(c.metrics.map(function (m) { return est(p.metrics[m.key], m.format) })).concat([String(p.runs.length)])
        })))
      parts.push(h('div', { class: 'grid wide', style: 'margin-top:12px' }, c.metrics.map(function (m) {
        var rows = c.policies.filter(function (p) { return p.metrics[m.key] }).map(function (p, j) {
          var e = p.metrics[m.key]
          return { label: p.label, value: e.value, lo: e.lo, hi: e.hi, color: PALETTE[j % PALETTE.length] }
        })
        return h('div', { class: 'card' }, h('h4', { text: m.label }), h('div', { class: 'hint', text: 'per policy: mean and 95% interval' }),
          sized(ui.chart('study:' + s.id + ':est:' + m.key, whiskerOption(rows, m.format, { name: m.label })), rows.length))
      })))
      if (c.differences.length) {
        parts.push(h('h3', { text: 'Paired differences against ' + c.baseline + ' (forest plots)' }),
          h('p', { class: 'muted small' },
            h('span', { style: 'color:' + VERDICT_COLORS.higher, text: '● higher' }), '  ', h('span', { style: 'color:' + VERDICT_COLORS.lower, text: '● lower' }), '  ',
            h('span', { style: 'color:' + VERDICT_COLORS['cannot be told apart'], text: '● cannot be told apart' }),
            ' — each policy minus ' + c.baseline + ', paired on the same (seed, user); the dashed line is no difference.'))
        parts.push(h('div', { class: 'grid wide' }, c.metrics.map(function (m) {
          var rows = c.differences.filter(function (d) { return d.metrics[m.key] }).map(function (d) {
            var e = d.metrics[m.key]
            return { label: d.label, value: e.value, lo: e.lo, hi: e.hi, color: VERDICT_COLORS[e.verdict] || '#8a94a3', note: e.verdict + ', p ' + e.p.toFixed(3) }
          })
          return h('div', { class: 'card', 'data-forest': m.key }, h('h4', { text: m.label + ': difference against ' + c.baseline }),
            h('div', { class: 'hint', text: m.format === 'share' ? 'percentage points' : 'difference of means' }),
            sized(ui.chart('study:' + s.id + ':diff:' + m.key, whiskerOption(rows, m.format, { zero: true, name: 'difference' })), rows.length))
        })))
        parts.push(h('div', { style: 'margin-top:12px' }, table(['policy', 'metric', 'difference [95% CI]', 'p', 'verdict'], c.differences.flatMap(function (d) {
          return c.metrics.filter(function (m) { return d.metrics[m.key] }).map(function (m) {
            var e = d.metrics[m.key]
            return [d.label, m.label, est(e, m.format, true), e.p.toFixed(3), h('span', { class: 'verdict', style: 'color:' + (VERDICT_COLORS[e.verdict] || 'inherit'), text: e.verdict })]
          })
        }), 2)))
      }
      var firstSeed = c.policies.map(function (p) { return p.runs[0] }).filter(Boolean)
      parts.push(h('h3', { text: 'Runs' }), table(['policy', 'run ids (one per seed: ' + c.seeds.join(', ') + ')'], c.policies.map(function (p) { return [p.label, p.runs.join(', ')] }), 99),
        h('p', { class: 'muted small', text: 'The policies\' runs of seed ' + c.seeds[0] + ' round by round, with their stories: npx usersim report ' + firstSeed.join(',') + ' --db ' + ui.db }))
      return h('section', { id: anchor(i), class: 'study', 'data-study': s.id }, parts)
    }

    function rankingSection(s, i) {
      var r = s.ranking
      var k = r.protocol.k
      var parts = head(s, 'Ranking fidelity: ' + r.dataset.source,
        ui.fmt(r.dataset.users, 'integer') + ' users, ' + ui.fmt(r.dataset.items, 'integer') + ' items, ' + ui.fmt(r.dataset.ratings, 'integer') + ' ratings · ' +
        r.protocol.split + ' · ' + r.protocol.usersEvaluated + ' users evaluated · k ' + k + ' · ' + r.protocol.rounds + ' simulated round(s) · seed ' + r.protocol.seed)
      parts.push(h('h3', { text: 'Policies side by side: real (offline, held-out ratings) and simulated' }),
        table(['policy', 'NDCG@' + k + ' real [95% CI]', 'Recall@' + k, 'HR@' + k, 'CTR simulated [95% CI]', 'satisfaction', 'held-out hit', 'NDCG vs truth', 'run'],
          r.policies.map(function (p) {
            return [p.label, est(p.offline.ndcg), num(p.offline.recall.value), num(p.offline.hit.value), est(p.simulated.ctr), num(p.simulated.satisfaction.value), num(p.simulated.heldOutHit.value), num(p.simulated.ndcg), p.simulated.runId]
          }), 1))
      parts.push(h('h3', { text: 'Agreement of the two orderings (95% bootstrap CI over users)' }),
        table(['real (offline)', 'simulated', 'Spearman ρ', 'Kendall τ'], r.pairs.map(function (p) {
          return [p.offlineLabel + (p.primary ? ' (primary)' : ''), p.simulatedLabel, est(p.spearman, 'corr'), est(p.kendall, 'corr')]
        }), 2))
      if (r.reliability) {
        parts.push(h('h3', { text: 'The real data\'s agreement with itself' }),
          h('p', { class: 'muted small', text: 'A ceiling for the figures above: where many policies are near ties, two halves of the same users, or two offline metrics, order them differently too.' }),
          table(['real ordering', 'against', 'Spearman ρ', 'stepped up to all users'], r.reliability.splitHalf.map(function (x) {
            return [x.metric, 'the same metric on the other half of the users', est(x.spearman, 'corr'), num(x.corrected)]
          }).concat(r.reliability.offlineMetrics.map(function (x) {
            return [x.a, x.b + ' (same users)', est(x.spearman, 'corr'), '']
          })), 2))
      }
      parts.push(h('h3', { text: 'Real against simulated, per policy' }),
        h('p', { class: 'muted small', text: 'Each point a policy, with its 95% intervals on both sides. The orderings agree where the points rise from left to right.' }),
        h('div', { class: 'grid wide' }, r.pairs.map(function (p) {
          return h('div', { class: 'card' }, h('h4', { text: p.offlineLabel + ' against ' + p.simulatedLabel }),
            h('div', { class: 'hint', text: 'Spearman ρ ' + est(p.spearman, 'corr') + ', Kendall τ ' + est(p.kendall, 'corr') }),
            ui.chart('study:' + s.id + ':xy:' + p.offline + ':' + p.simulated, agreementOption(p.points, p.offlineLabel, p.simulatedLabel), 'tall'))
        })))
      parts.push(h('h3', { text: 'The orderings: rank against rank' }),
        h('p', { class: 'muted small', text: '1 = best on each side; on the dashed diagonal the simulation orders a policy where the real data does.' }),
        h('div', { class: 'grid wide' }, r.pairs.map(function (p) {
          return h('div', { class: 'card' }, h('h4', { text: p.offlineLabel + ' rank against ' + p.simulatedLabel + ' rank' }),
            ui.chart('study:' + s.id + ':rank:' + p.offline + ':' + p.simulated, rankOption(p.points, p.offlineLabel, p.simulatedLabel), 'tall'))
        })))
      if (r.vsPopularity.length) {
        parts.push(h('h3', { text: 'Against popularity (paired per user)' }),
          table(['policy', 'Δ NDCG@' + k + ' real [95% CI]', 'Δ CTR simulated [95% CI]', 'verdict'], r.vsPopularity.map(function (v) {
            return [v.label, est(v.offlineNdcg, 'number', true), est(v.simulatedCtr, 'number', true), h('span', { class: 'verdict' + (v.offlineSeparated && !v.agrees ? ' disagrees' : ''), text: v.verdict })]
          }), 1))
      }
      // Each policy keeps the colour it has in the scatter charts.
      var colors = {}
      r.policies.forEach(function (p, j) { colors[p.label] = PALETTE[j % PALETTE.length] })
      parts.push(h('h3', { text: 'Distributions: real against simulated' }))
      if (!r.distributions) {
        parts.push(h('p', { class: 'muted small', text: 'This study\'s result has no distributions (written by a version of eval ranking before they were added).' }))
      } else if (!r.distributions.length) {
        parts.push(h('p', { class: 'muted small', text: 'No distributions were recorded.' }))
      } else {
        parts.push(h('div', { class: 'grid wide' }, r.distributions.map(function (d) {
          return h('div', { class: 'card', 'data-distribution': d.quantity }, h('h4', { text: d.label }),
            h('div', { class: 'hint', text: d.real ? 'share per bin: the real data (dark) and each policy\'s simulated users' : 'share per bin, simulated only: the data lacks this quantity' }),
            ui.chart('study:' + s.id + ':dist:' + d.quantity, distributionOption(d, colors), 'tall'),
            d.notes.length ? h('ul', { class: 'notes small' }, d.notes.map(function (n) { return h('li', { text: n }) })) : null)
        })))
        var dv = r.divergence
        parts.push(h('h4', { style: 'margin:12px 0 4px', text: 'Jensen–Shannon divergence, real against simulated (bits; 0 = the same, 1 = disjoint)' }),
          table(['policy'].concat(dv.quantities.map(function (q) { return q.label })), dv.rows.map(function (row) {
            return [row.policy].concat(row.js.map(function (v) { return v === null ? '—' : v.toFixed(4) }))
          })))
      }
      return h('section', { id: anchor(i), class: 'study', 'data-study': s.id }, parts)
    }

    return {
      toc: function (studies) {
        return studies.map(function (s, i) { return [anchor(i), s.kind === 'compare' ? 'A/B test' : 'Ranking fidelity'] })
      },
      render: function (studies) {
        return studies.map(function (s, i) {
          if (s.compare) return compareSection(s, i)
          if (s.ranking) return rankingSection(s, i)
          return h('section', { id: anchor(i), class: 'study', 'data-study': s.id }, h('h2', { text: 'Study ' + s.id }), h('p', { class: 'muted', text: 'This study cannot be drawn; see the notes.' }))
        })
      },
    }
  }

  root.usersimStudySections = sections
  root.usersimStudyCharts = { whiskerOption: whiskerOption, agreementOption: agreementOption, rankOption: rankOption, distributionOption: distributionOption }
})(typeof window !== 'undefined' ? window : globalThis)
