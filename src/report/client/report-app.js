/*
 * The usersim report page. Runs in the browser, both inside a self-contained report file
 * (data embedded as JSON) and on the live server (data fetched from /api/report).
 * Every string from the data reaches the page through textContent / createTextNode, and
 * charts draw on canvas with canvas tooltips (renderMode 'richText'), so no data is ever
 * parsed as HTML.
 */
/* global echarts, usersimAxisLabels, usersimStudySections */
;(function () {
  'use strict'

  var PALETTE = ['#2f6fde', '#e4572e', '#17a589', '#a05195', '#d99a1e', '#577590', '#bc4749', '#6a994e']
  var SAT_COLORS = ['#c0392b', '#e67e22', '#f1c40f', '#7dbb45', '#1e8449']
  var SAT_BUCKETS = ['0–0.2', '0.2–0.4', '0.4–0.6', '0.6–0.8', '0.8–1']
  var SUMMARY_ROWS = [
    // [key, label, format, direction: 1 = higher is better for the users, -1 = lower, 0 = neither]
    ['agentSteps', 'Agent-steps', 'integer', 0],
    ['agentErrors', 'Agent errors (steps that threw)', 'integer', -1],
    ['satisfaction', 'Satisfaction (mean)', 'number', 1],
    ['finalSatisfaction', 'Satisfaction (final round)', 'number', 1],
    ['ctr', 'CTR', 'share', 1],
    ['meanRating', 'Mean rating', 'number', 1],
    ['leaveRate', 'Leave rate', 'share', -1],
    ['returnRate', 'Return rate', 'share', 1],
    ['ndcg', 'NDCG@K vs oracle', 'number', 1],
    ['ild', 'Intra-list diversity', 'number', 0],
    ['novelty', 'Novelty (bits)', 'number', 0],
    ['coverage', 'Catalog coverage (all rounds)', 'share', 0],
    ['gini', 'Exposure Gini (all rounds)', 'number', 0],
    ['clicks', 'Clicks', 'integer', 0],
    ['impressions', 'Impressions', 'integer', 0],
  ]

  /** Chart instances by id; a live update reuses them so the page does not flicker. */
  var charts = new Map()
  var pending = []
  var used = new Set()

  // ---------- DOM helpers: text only ----------
  function h(tag, props) {
    var el = document.createElement(tag)
    if (props) {
      for (var k in props) {
        var v = props[k]
        if (v === undefined || v === null || v === false) continue
        if (k === 'class') el.className = v
        else if (k === 'text') el.textContent = String(v)
        else if (k === 'style') el.setAttribute('style', v)
        else el.setAttribute(k, String(v))
      }
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i])
    return el
  }
  function append(el, child) {
    if (child === null || child === undefined || child === false) return
    if (Array.isArray(child)) child.forEach(function (c) { append(el, c) })
    else if (typeof child === 'string' || typeof child === 'number') el.appendChild(document.createTextNode(String(child)))
    else el.appendChild(child)
  }

  // ---------- formatting ----------
  function fmt(v, format) {
    if (v === null || v === undefined || (typeof v === 'number' && isNaN(v))) return '—'
    if (typeof v !== 'number') return String(v)
    if (format === 'share') return (v * 100).toFixed(Math.abs(v) < 0.1 ? 2 : 1) + '%'
    if (format === 'integer') return Math.round(v).toLocaleString('en-US')
    if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US')
    return String(Math.round(v * 1000) / 1000)
  }
  function colorOf(i) { return PALETTE[i % PALETTE.length] }
  function runName(run) { return run.id }
  function statusBadge(status) { return h('span', { class: 'badge ' + status, text: status }) }
  function table(head, rows, numericFrom) {
    var nf = numericFrom === undefined ? 1 : numericFrom
    return h('div', { class: 'tablewrap' }, h('table', null,
      h('thead', null, h('tr', null, head.map(function (c, i) { return h('th', { class: i >= nf ? 'num' : null }, c) }))),
      h('tbody', null, rows.map(function (r) {
        return h('tr', null, r.map(function (c, i) { return h('td', { class: i >= nf ? 'num' : null }, c) }))
      }))))
  }

  // ---------- charts ----------
  function chart(id, option, cls) {
    used.add(id)
    var entry = charts.get(id)
    if (entry) {
      entry.option = option
      pending.push(entry)
      return entry.el
    }
    var el = h('div', { class: 'chart' + (cls ? ' ' + cls : ''), 'data-chart': id })
    entry = { el: el, chart: null, option: option }
    charts.set(id, entry)
    pending.push(entry)
    return el
  }
  function flushCharts(animate) {
    pending.forEach(function (e) {
      if (!e.chart) e.chart = echarts.init(e.el, null, { renderer: 'canvas' })
      e.option.animation = animate
      e.chart.setOption(e.option, { notMerge: true })
    })
    pending = []
    charts.forEach(function (e, id) {
      if (!used.has(id)) {
        if (e.chart) e.chart.dispose()
        charts.delete(id)
      }
    })
    used = new Set()
  }
  function baseOption(format, extra) {
    var o = {
      grid: { left: 8, right: 14, top: 14, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', renderMode: 'richText', valueFormatter: function (v) { return fmt(v, format) } },
      yAxis: { type: 'value', scale: true, axisLabel: { formatter: function (v) { return fmt(v, format) } }, splitLine: { lineStyle: { color: '#eef0f4' } } },
    }
    for (var k in extra) o[k] = extra[k]
    o.yAxis.axisLabel.formatter = usersimAxisLabels.tickFormatter(o.series, format, fmt)
    return o
  }

  // ---------- sections ----------
  function legend(data) {
    return h('div', { class: 'legend' }, data.runs.map(function (r, i) {
      return h('span', { class: 'run' }, h('span', { class: 'swatch', style: 'background:' + colorOf(i) }), runName(r),
        h('span', { class: 'muted small', text: ' ' + r.config.policy }), statusBadge(r.status))
    }))
  }

  function configSection(data) {
    var rows = [
      ['scenario', function (r) { return r.scenario }],
      ['policy', function (r) { return r.config.policy }],
      ['agents', function (r) { return fmt(r.config.agents, 'integer') }],
      ['rounds', function (r) { return r.progress.roundsDone + ' done of ' + r.config.rounds }],
      ['slate size', function (r) { return String(r.config.slate) }],
      ['catalog size', function (r) { return fmt(r.config.catalogSize, 'integer') }],
      ['seed', function (r) { return String(r.config.seed) }],
      ['scenario params', function (r) { return JSON.stringify(r.config.params || {}) }],
      ['policy options', function (r) { return JSON.stringify(r.config.policyOptions || {}) }],
      ['NDCG sample', function (r) { return fmt(r.config.ndcgSample, 'integer') }],
      ['status', function (r) { return r.status + (r.error ? ' — ' + r.error : '') }],
      ['branched from', function (r) { return r.parentRun ? r.parentRun + ' at round ' + r.parentRound : '—' }],
      ['created', function (r) { return r.createdAt }],
      ['versions', function (r) { return Object.keys(r.versions || {}).map(function (k) { return k + ' ' + r.versions[k] }).join(', ') }],
    ]
    return h('section', { id: 'config' }, h('h2', { text: 'Configuration' }),
      table([''].concat(data.runs.map(runName)), rows.map(function (row) {
        return [row[0]].concat(data.runs.map(function (r) { return row[1](r) }))
      }), 99))
  }

  function summarySection(data) {
    var base = data.runs[0] && data.runs[0].summary
    var rows = SUMMARY_ROWS.map(function (row) {
      return [row[1]].concat(data.runs.map(function (r, i) {
        var v = r.summary ? r.summary[row[0]] : undefined
        var cell = h('span', null, fmt(v, row[2]))
        if (i > 0 && base && typeof v === 'number' && typeof base[row[0]] === 'number') {
          // Shares change in percentage points; other figures relative to the first run.
          var share = row[2] === 'share'
          var d = share ? v - base[row[0]] : base[row[0]] !== 0 ? (v - base[row[0]]) / Math.abs(base[row[0]]) : NaN
          var good = d * row[3]
          if (isFinite(d) && Math.abs(d) >= 0.0005) {
            cell.appendChild(h('span', { class: 'delta ' + (good > 0 ? 'up' : good < 0 ? 'down' : ''), text: (d > 0 ? '+' : '') + (d * 100).toFixed(1) + (share ? ' pp' : '%') }))
          }
        }
        return cell
      }))
    })
    var note = data.runs.some(function (r) { return !r.summary }) ? h('p', { class: 'muted small', text: 'A run still running (or stopped early) has no summary yet; its charts show the rounds done so far.' }) : null
    var vs = data.runs.length > 1 ? h('p', { class: 'muted small', text: 'Changes compare each run with the first (' + data.runs[0].id + '): percentage points (pp) for shares, relative change for other figures; green where the change is better for the users, red where worse, grey where neither.' }) : null
    return h('section', { id: 'summary' }, h('h2', { text: 'Summary' }), table(['metric'].concat(data.runs.map(runName)), rows), vs, note)
  }

  function metricSeries(data, key) {
    return data.runs.map(function (r, i) {
      var s = {
        name: runName(r), type: 'line', color: colorOf(i), showSymbol: r.rounds.length <= 40, symbolSize: 5,
        data: r.rounds.filter(function (x) { return typeof x.metrics[key] === 'number' }).map(function (x) { return [x.round, x.metrics[key]] }),
      }
      if (r.parentRound !== null && r.parentRound !== undefined) {
        s.markLine = { silent: true, symbol: 'none', lineStyle: { type: 'dashed', color: colorOf(i) }, label: { formatter: 'branch', fontSize: 10 }, data: [{ xAxis: r.parentRound }] }
      }
      return s
    })
  }

  function metricOption(data, m) {
    var o = baseOption(m.format, { xAxis: { type: 'value', minInterval: 1 }, series: metricSeries(data, m.key) })
    // Live, the axis spans the whole run, so the curves grow into place instead of rescaling.
    if (data.live) o.xAxis.max = Math.max.apply(null, data.runs.map(function (r) { return r.config.rounds - 1 }))
    if (m.format === 'integer') o.yAxis.minInterval = 1
    return o
  }

  function metricsSection(data) {
    var groups = []
    data.metrics.forEach(function (m) {
      var g = groups.find(function (x) { return x.name === m.group })
      if (!g) groups.push(g = { name: m.group, items: [] })
      g.items.push(m)
    })
    return h('section', { id: 'metrics' }, h('h2', { text: 'Metrics over rounds' }), legend(data),
      groups.map(function (g) {
        return [h('h3', { text: g.name }), h('div', { class: 'grid' }, g.items.map(function (m) {
          return h('div', { class: 'card' }, h('h4', { text: m.label }), h('div', { class: 'hint', text: m.hint }),
            chart('metric:' + m.key, metricOption(data, m)))
        }))]
      }))
  }

  function distributionSection(data) {
    var last = data.runs.map(function (r) { return r.rounds.length ? r.rounds[r.rounds.length - 1] : null })
    var satLast = baseOption('share', {
      xAxis: { type: 'category', data: SAT_BUCKETS },
      series: data.runs.map(function (r, i) { return { name: runName(r), type: 'bar', color: colorOf(i), data: last[i] ? last[i].satisfactionHist : [] } }),
    })
    satLast.yAxis.scale = false
    var ratingTotal = function (r) { return r.ratings.reduce(function (a, b) { return a + b }, 0) }
    var ratings = baseOption('share', {
      xAxis: { type: 'category', data: ['1 ★', '2 ★', '3 ★', '4 ★', '5 ★'] },
      series: data.runs.map(function (r, i) {
        var t = ratingTotal(r)
        return { name: runName(r), type: 'bar', color: colorOf(i), data: r.ratings.map(function (n) { return t ? n / t : 0 }) }
      }),
    })
    ratings.yAxis.scale = false
    var byRound = data.runs.map(function (r, i) {
      var o = baseOption('share', {
        xAxis: { type: 'category', data: r.rounds.map(function (x) { return String(x.round) }) },
        series: SAT_BUCKETS.map(function (b, k) {
          return { name: b, type: 'bar', stack: 'sat', color: SAT_COLORS[k], barCategoryGap: '15%', data: r.rounds.map(function (x) { return x.satisfactionHist[k] }) }
        }),
      })
      o.yAxis.scale = false
      o.yAxis.max = 1
      return h('div', { class: 'card' }, h('h4', null, h('span', { class: 'swatch', style: 'background:' + colorOf(i) + ';margin-right:6px' }), runName(r)),
        h('div', { class: 'hint', text: 'share of present agents per satisfaction band, by round (red = low, green = high)' }),
        chart('satByRound:' + i, o))
    })
    return h('section', { id: 'distributions' }, h('h2', { text: 'Distributions' }), legend(data),
      h('div', { class: 'grid wide' },
        h('div', { class: 'card' }, h('h4', { text: 'Satisfaction, last finished round' }), h('div', { class: 'hint', text: 'share of present agents in each satisfaction band' }), chart('satLast', satLast, 'tall')),
        h('div', { class: 'card' }, h('h4', { text: 'Ratings' }),
          h('div', { class: 'hint', text: 'share of ratings at each value, all finished rounds (' + data.runs.map(function (r) { return fmt(ratingTotal(r), 'integer') }).join(' / ') + ' ratings)' }),
          chart('ratings', ratings, 'tall'))),
      h('h3', { text: 'Satisfaction bands by round' }), h('div', { class: 'grid wide' }, byRound))
  }

  function exposureSection(data) {
    var tail = baseOption('integer', {
      xAxis: { type: 'log', name: 'item rank (1 = most shown)', nameLocation: 'middle', nameGap: 22, nameTextStyle: { fontSize: 10 }, min: 1 },
      // Log–log, the usual view of a long tail; items never shown (0) have no point on it.
      series: data.runs.map(function (r, i) {
        return { name: runName(r), type: 'line', color: colorOf(i), showSymbol: false, data: r.exposure.curve.filter(function (p) { return p[1] > 0 }).map(function (p) { return [p[0] + 1, p[1]] }) }
      }),
    })
    tail.yAxis = { type: 'log', min: 1, axisLabel: { formatter: function (v) { return fmt(v, 'integer') } }, splitLine: { lineStyle: { color: '#eef0f4' } } }
    tail.grid.bottom = 24
    var lorenz = baseOption('share', {
      xAxis: { type: 'value', min: 0, max: 1, name: 'share of items, most shown first', nameLocation: 'middle', nameGap: 22, nameTextStyle: { fontSize: 10 }, axisLabel: { formatter: function (v) { return Math.round(v * 100) + '%' } } },
      series: data.runs.map(function (r, i) { return { name: runName(r), type: 'line', color: colorOf(i), showSymbol: false, data: r.exposure.cumulative } })
        .concat([{ name: 'equal exposure', type: 'line', color: '#b6bec9', showSymbol: false, lineStyle: { type: 'dashed' }, data: [[0, 0], [1, 1]] }]),
    })
    lorenz.yAxis.scale = false
    lorenz.yAxis.max = 1
    lorenz.grid.bottom = 24
    var stats = table(['', ].concat(data.runs.map(runName)), [
      ['items in catalog', function (e) { return fmt(e.items, 'integer') }],
      ['items shown at least once', function (e) { return fmt(e.itemsShown, 'integer') + ' (' + fmt(e.items ? e.itemsShown / e.items : 0, 'share') + ')' }],
      ['impressions', function (e) { return fmt(e.impressions, 'integer') }],
      ['share to the top 1% of items', function (e) { return fmt(e.top1PctShare, 'share') }],
      ['share to the top 10% of items', function (e) { return fmt(e.top10PctShare, 'share') }],
      ['exposure Gini', function (e) { return fmt(e.gini, 'number') }],
    ].map(function (row) { return [row[0]].concat(data.runs.map(function (r) { return row[1](r.exposure) })) }))
    var tops = data.runs.map(function (r, i) {
      return h('div', { class: 'card' }, h('h4', null, h('span', { class: 'swatch', style: 'background:' + colorOf(i) + ';margin-right:6px' }), 'Most shown items — ' + runName(r)),
        table(['#', 'title', 'category', 'impressions', 'clicks', 'CTR'], r.exposure.top.map(function (t, k) {
          var it = r.items[t.item] || { title: 'item #' + t.item, category: '' }
          return [String(k + 1), it.title, it.category, fmt(t.impressions, 'integer'), fmt(t.clicks, 'integer'), fmt(t.impressions ? t.clicks / t.impressions : 0, 'share')]
        }), 3))
    })
    return h('section', { id: 'exposure' }, h('h2', { text: 'Exposure across the catalog' }), legend(data),
      h('div', { class: 'grid wide' },
        h('div', { class: 'card' }, h('h4', { text: 'Long tail: impressions per item by rank' }), h('div', { class: 'hint', text: 'all finished rounds, log–log; items never shown are counted in the table below' }), chart('longTail', tail, 'tall')),
        h('div', { class: 'card' }, h('h4', { text: 'Concentration: cumulative share of impressions' }), h('div', { class: 'hint', text: 'the further above the diagonal, the more exposure goes to few items' }), chart('lorenz', lorenz, 'tall'))),
      h('h3', { text: 'Exposure figures' }), stats,
      h('div', { class: 'grid wide', style: 'margin-top:12px' }, tops))
  }

  function usageSection(data) {
    var tasks = []
    data.runs.forEach(function (r) { Object.keys(r.taskCalls).forEach(function (t) { if (tasks.indexOf(t) < 0) tasks.push(t) }) })
    tasks.sort()
    var parts = [h('h2', { text: 'Model usage' })]
    parts.push(h('h3', { text: 'Task calls' }), tasks.length
      ? table(['task'].concat(data.runs.map(runName)), tasks.map(function (t) { return [t].concat(data.runs.map(function (r) { return fmt(r.taskCalls[t], 'integer') })) }))
      : h('p', { class: 'muted', text: 'No task calls recorded.' }))
    var withLlm = data.runs.filter(function (r) { return r.llm && r.llm.length })
    if (withLlm.length) {
      withLlm.forEach(function (r) {
        var i = data.runs.indexOf(r)
        parts.push(h('h3', null, h('span', { class: 'swatch', style: 'background:' + colorOf(i) + ';margin-right:6px' }), 'LLM calls per task — ' + runName(r)))
        // Cost appears only where the call log records it (no prices are assumed).
        var withCost = r.llm.some(function (u) { return u.costUsd !== null })
        var total = { task: 'all tasks', calls: 0, promptTokens: 0, completionTokens: 0, costUsd: withCost ? 0 : null, meanLatencyMs: null, outcomes: {} }
        r.llm.forEach(function (u) {
          total.calls += u.calls
          total.promptTokens += u.promptTokens || 0
          total.completionTokens += u.completionTokens || 0
          if (withCost) total.costUsd += u.costUsd || 0
          Object.keys(u.outcomes).forEach(function (k) { total.outcomes[k] = (total.outcomes[k] || 0) + u.outcomes[k] })
        })
        var head = ['task', 'calls', 'prompt tokens', 'completion tokens', 'tokens / call'].concat(withCost ? ['cost (USD)'] : []).concat(['mean latency (ms)', 'outcomes'])
        parts.push(table(head, r.llm.concat(r.llm.length > 1 ? [total] : []).map(function (u) {
          var tok = (u.promptTokens || 0) + (u.completionTokens || 0)
          return [u.task, fmt(u.calls, 'integer'), fmt(u.promptTokens, 'integer'), fmt(u.completionTokens, 'integer'), u.calls ? fmt(tok / u.calls, 'integer') : '—']
            .concat(withCost ? [u.costUsd === null ? '—' : '$' + u.costUsd.toFixed(4)] : [])
            .concat([fmt(u.meanLatencyMs, 'integer'), Object.keys(u.outcomes).sort().map(function (k) { return k + ' ' + u.outcomes[k] }).join(', ') || '—'])
        }), 1))
        // The adaptive concurrency limit each endpoint found, per round (absent with fixed limits).
        if (r.llmLimits && r.llmLimits.length) {
          parts.push(h('h4', { text: 'Concurrency limit per endpoint (adaptive) — ' + runName(r) }))
          parts.push(table(['round', 'endpoint', 'answers', 'min', 'median', 'max', 'at end'], r.llmLimits.map(function (l) {
            return [fmt(l.round, 'integer'), l.endpoint, fmt(l.calls, 'integer'), fmt(l.min, 'integer'), fmt(l.median, 'integer'), fmt(l.max, 'integer'), fmt(l.last, 'integer')]
          }), 2))
        }
      })
      var llmTasks = []
      withLlm.forEach(function (r) { r.llm.forEach(function (u) { if (llmTasks.indexOf(u.task) < 0) llmTasks.push(u.task) }) })
      var series = []
      withLlm.forEach(function (r) {
        var i = data.runs.indexOf(r)
        var by = function (t, f) { var u = r.llm.find(function (x) { return x.task === t }); return u ? u[f] || 0 : 0 }
        series.push({ name: runName(r) + ' prompt', type: 'bar', stack: r.id, color: colorOf(i), data: llmTasks.map(function (t) { return by(t, 'promptTokens') }) })
        series.push({ name: runName(r) + ' completion', type: 'bar', stack: r.id, color: colorOf(i), itemStyle: { opacity: 0.5 }, data: llmTasks.map(function (t) { return by(t, 'completionTokens') }) })
      })
      var o = baseOption('integer', { xAxis: { type: 'category', data: llmTasks }, series: series })
      o.yAxis.scale = false
      parts.push(h('div', { class: 'card', style: 'margin-top:12px' }, h('h4', { text: 'Tokens per task (prompt solid, completion faded)' }), chart('llmTokens', o, 'tall')))
    } else {
      parts.push(h('p', { class: 'muted small', text: 'No language-model calls recorded for these runs (surrogate answers only).' }))
    }
    return h('section', { id: 'usage' }, parts)
  }

  function ci(e) { return e ? fmt(e.mean) + ' [' + fmt(e.lo) + ', ' + fmt(e.hi) + ']' : '—' }

  // A hybrid run: the shadow audit per round and task, its cost against share 1, the two groups.
  function hybridSection(data) {
    var runs = data.runs.filter(function (r) { return r.hybrid })
    if (!runs.length) return null
    var parts = [h('h2', { text: 'Hybrid run: surrogate audited against the model' })]
    runs.forEach(function (r) {
      var x = r.hybrid
      parts.push(h('h3', { text: runName(r) + (x.modelShare !== null ? ' — model share ' + x.modelShare + ' (' + x.modelAgents + ' agents, ' + x.strata + ' persona clusters)' : '') +
        (x.profile ? ' — profile ' + x.profile.hash.slice(0, 12) + ' from ' + x.profile.sourceRun : ' — default surrogate') }))
      parts.push(h('h4', { text: 'Shadow audit (95% intervals)' }), table(['round', 'task', 'model calls', 'surrogate calls', 'click F1', 'leave agreement', 'rating RMSE', 'satisfaction W1'],
        x.audit.map(function (a) { return [String(a.round), a.task, fmt(a.modelCalls, 'integer'), fmt(a.surrogateCalls, 'integer'), ci(a.clickF1), ci(a.leaveAgreement), a.ratingRmse ? fmt(a.ratingRmse.mean) : '—', a.satisfactionW1 === null ? '—' : fmt(a.satisfactionW1)] }), 2))
      var money = x.cost.total.money !== undefined
      parts.push(h('h4', { text: 'Cost against every agent on the model' }), table(['round', 'model calls', 'tokens', 'calls at share 1', 'tokens at share 1', 'token share'].concat(money ? ['cost', 'cost at share 1'] : []),
        x.cost.rounds.concat([Object.assign({ round: 'all' }, x.cost.total)]).map(function (c) {
          return [String(c.round), fmt(c.modelCalls, 'integer'), fmt(c.tokens, 'integer'), fmt(c.projectedCalls, 'integer'), fmt(c.projectedTokens, 'integer'), c.tokenShare === null ? '—' : (100 * c.tokenShare).toFixed(2) + '%']
            .concat(money ? [fmt(c.money), fmt(c.projectedMoney)] : [])
        })))
      if (x.byRound.length) {
        parts.push(h('h4', { text: 'Per round: model-backed sample and surrogate-backed agents' }), table(['round', 'model-backed agents', 'CTR', 'satisfaction', 'leave rate', 'surrogate-backed agents', 'CTR', 'satisfaction', 'leave rate'],
          x.byRound.map(function (b) { return [String(b.round), fmt(b.model.agents, 'integer'), fmt(b.model.ctr), fmt(b.model.satisfaction), fmt(b.model.leaveRate), fmt(b.surrogate.agents, 'integer'), fmt(b.surrogate.ctr), fmt(b.surrogate.satisfaction), fmt(b.surrogate.leaveRate)] })))
      }
      if (x.groups.length) {
        parts.push(h('h4', { text: 'Model-backed sample vs surrogate-backed agents (all rounds)' }), table(['metric', 'model-backed', 'surrogate-backed', 'differ'],
          x.groups.map(function (g) { return [g.metric, ci(g.model), ci(g.surrogate), g.differs ? 'YES' : 'no'] })))
      }
      if (x.refits.length) {
        parts.push(h('h4', { text: 'Continuous distillation: profile refits' }), table(['after round', 'new profile', 'why'],
          x.refits.map(function (f) { return [String(f.round), f.newHash.slice(0, 12), f.reason] }), 3))
      }
      if (x.warnings.length) parts.push(h('ul', { class: 'notes' }, x.warnings.map(function (w) { return h('li', { text: w }) })))
    })
    return h('section', { id: 'hybrid' }, parts)
  }

  function actionsSection(data) {
    var any = data.runs.some(function (r) { return r.actions && r.actions.length })
    if (!any) return null
    var parts = [h('h2', { text: 'Corrections and interventions' })]
    data.runs.forEach(function (r, i) {
      r.actions.forEach(function (a) {
        var kinds = []
        var rounds = []
        a.byRoundKind.forEach(function (x) {
          if (kinds.indexOf(x[1]) < 0) kinds.push(x[1])
          var rd = x[0] === null ? 'all' : String(x[0])
          if (rounds.indexOf(rd) < 0) rounds.push(rd)
        })
        var o = baseOption('integer', {
          xAxis: { type: 'category', data: rounds },
          series: kinds.map(function (k, j) {
            return { name: k, type: 'bar', stack: 'k', color: PALETTE[(j + 2) % PALETTE.length], data: rounds.map(function (rd) {
              var hit = a.byRoundKind.find(function (x) { return (x[0] === null ? 'all' : String(x[0])) === rd && x[1] === k })
              return hit ? hit[2] : 0
            }) }
          }),
        })
        o.yAxis.scale = false
        o.legend = { top: 0, type: 'scroll' }
        o.grid.top = 30
        var cols = a.examples.length ? Object.keys(a.examples[0]).filter(function (c) { return c !== 'id' }) : []
        parts.push(h('h3', null, h('span', { class: 'swatch', style: 'background:' + colorOf(i) + ';margin-right:6px' }), a.table + ' — ' + runName(r) + ' (' + fmt(a.total, 'integer') + ')'),
          h('div', { class: 'card' }, h('h4', { text: a.table + ' by round and kind' }), chart('actions:' + i + ':' + a.table, o)),
          h('h4', { class: 'muted', style: 'margin:10px 0 4px', text: 'First ' + a.examples.length + ' of ' + fmt(a.total, 'integer') }),
          table(cols, a.examples.map(function (e) { return cols.map(function (c) { return e[c] }) }), 99))
      })
    })
    return h('section', { id: 'actions' }, parts)
  }

  function storyCard(run, story, runIndex, k) {
    var title = function (id) { return (run.items[id] && run.items[id].title) || 'item #' + id }
    var facts = h('dl', { class: 'persona' }, story.persona.map(function (f) { return [h('dt', { text: f[0] }), h('dd', { text: f[1] })] }))
    var spark = baseOption('number', {
      grid: { left: 4, right: 10, top: 8, bottom: 4, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'value', scale: true, splitNumber: 2, axisLabel: { fontSize: 10 }, splitLine: { lineStyle: { color: '#eef0f4' } } },
      series: [{ name: 'satisfaction', type: 'line', color: colorOf(runIndex), symbolSize: 5, data: story.rounds.filter(function (x) { return x.present }).map(function (x) { return [x.round, x.satisfaction] }) }],
    })
    var prev = null
    var rows = story.rounds.map(function (x) {
      var badges = []
      if (!x.present) badges.push(h('span', { class: 'badge', text: 'away' }))
      if (x.returned) badges.push(h('span', { class: 'badge returned', text: 'came back' }))
      if (x.left) badges.push(h('span', { class: 'badge left', text: 'left' }))
      var shown = h('div', { class: 'shown' }, x.shown.map(function (id) {
        var c = x.clicks.indexOf(id)
        if (c < 0) return h('span', { text: title(id) })
        var rating = x.ratings[c]
        return h('span', { class: 'clicked', title: 'clicked' }, title(id) + (rating ? ' ★' + rating : ' (clicked)'))
      }))
      var said = x.said.map(function (u) { return h('div', { class: 'said' }, h('span', { class: 'kind', text: u.kind }), '“' + u.text + '”') })
      var delta = prev !== null && x.present ? x.satisfaction - prev : null
      if (x.present) prev = x.satisfaction
      var sat = x.present ? [fmt(x.satisfaction, 'number'), delta !== null ? h('span', { class: 'delta ' + (delta >= 0 ? 'up' : 'down'), text: (delta >= 0 ? '+' : '') + delta.toFixed(3) }) : null] : '—'
      return h('tr', null, h('td', null, String(x.round), badges), h('td', { class: 'num' }, sat), h('td', null, x.present ? shown : h('span', { class: 'muted', text: 'not in a session' })), h('td', null, said))
    })
    return h('div', { class: 'card story', 'data-story': run.id + ':' + story.agent },
      h('h4', { text: 'Agent ' + story.agent + (story.personaName ? ' — ' + story.personaName : '') }),
      h('div', { class: 'grid wide' }, facts, h('div', null, h('div', { class: 'hint', text: 'satisfaction by round' }), chart('story:' + runIndex + ':' + k, spark, 'spark'))),
      h('div', { class: 'tablewrap' }, h('table', null,
        h('thead', null, h('tr', null, h('th', { text: 'round' }), h('th', { class: 'num', text: 'satisfaction' }), h('th', { text: 'shown (clicked in blue, with rating)' }), h('th', { text: 'said' }))),
        h('tbody', null, rows))))
  }

  function storiesSection(data) {
    return h('section', { id: 'stories' }, h('h2', { text: 'Agent stories' }),
      h('p', { class: 'muted small', text: 'A few simulated users, chosen by a seeded draw (half among agents who said something): what each was shown, clicked and said, round by round. Compared runs of the same population follow the same users.' }),
      data.runs.map(function (r, i) {
        return [h('h3', null, h('span', { class: 'swatch', style: 'background:' + colorOf(i) + ';margin-right:6px' }), runName(r)),
          r.stories.length ? r.stories.map(function (s, k) { return storyCard(r, s, i, k) }) : h('p', { class: 'muted', text: r.rounds.length ? 'No stories asked for (--stories 0).' : 'No finished rounds yet.' })]
      }))
  }

  function trialsSection(data) {
    var withTrials = data.runs.filter(function (r) { return r.trials && r.trials.length })
    if (!withTrials.length) return null
    var parts = [h('h2', { text: 'Trials (multi-trial episodes with reflection)' })]
    withTrials.forEach(function (r) {
      parts.push(h('h3', { text: runName(r) }), table(['trial', 'users', 'passed', 'pass rate', 'cumulative pass rate', 'avg rounds', 'satisfaction'], r.trials.map(function (f) {
        return [String(f.trial + 1), fmt(f.users, 'integer'), fmt(f.passed, 'integer'), fmt(f.passRate, 'share'), fmt(f.cumulativePassRate, 'share'), f.avgRounds.toFixed(2), f.satisfaction.toFixed(3)]
      })))
    })
    return h('section', { id: 'trials' }, parts)
  }

  function notesSection(data) {
    var notes = []
    ;(data.studies || []).forEach(function (st) { st.notes.forEach(function (n) { notes.push('study ' + st.id + ': ' + n) }) })
    data.runs.forEach(function (r) { r.notes.forEach(function (n) { notes.push(r.id + ': ' + n) }) })
    if (!notes.length) return null
    return h('section', { id: 'notes' }, h('h2', { text: 'Notes' }), h('ul', { class: 'notes' }, notes.map(function (n) { return h('li', { text: n }) })))
  }

  function render(root, data, extraTop) {
    var studies = data.studies || []
    var studyUi = usersimStudySections({ h: h, table: table, chart: chart, fmt: fmt, db: data.db })
    var hasActions = data.runs.some(function (r) { return r.actions && r.actions.length })
    var toc = studyUi.toc(studies)
    if (data.runs.length) {
      toc = toc.concat([['config', 'Configuration'], ['summary', 'Summary'], ['metrics', 'Metrics over rounds'], ['distributions', 'Distributions'], ['exposure', 'Exposure'], ['usage', 'Model usage']])
      if (hasActions) toc.push(['actions', 'Corrections'])
      if (data.runs.some(function (r) { return r.trials && r.trials.length })) toc.push(['trials', 'Trials'])
      if (data.runs.some(function (r) { return r.hybrid })) toc.push(['hybrid', 'Hybrid audit'])
      toc.push(['stories', 'Agent stories'])
    }
    var count = function (n, one, many) { return n + ' ' + (n === 1 ? one : many) }
    var what = (data.runs.length || !studies.length ? [count(data.runs.length, 'run', 'runs')] : []).concat(studies.length ? [count(studies.length, 'study', 'studies')] : [])
    var main = h('main', null,
      h('header', { class: 'page' }, h('h1', { text: 'usersim report' }),
        h('span', { class: 'muted', text: what.join(', ') + ' · ' + data.db + ' · generated ' + data.generatedAt.replace('T', ' ').slice(0, 19) + ' UTC' })),
      extraTop || null,
      data.runs.length || studies.length ? [
        h('nav', { class: 'toc' }, toc.map(function (t) { return h('a', { href: '#' + t[0], text: t[1] }) })),
        // A study is what was asked for: it comes before its runs' sections.
        studyUi.render(studies),
        !data.runs.length ? null
          // Live, the curves come first: they are what moves.
          : data.live
            ? [metricsSection(data), summarySection(data), distributionSection(data), exposureSection(data), usageSection(data), actionsSection(data), trialsSection(data), hybridSection(data), storiesSection(data), configSection(data)]
            : [legend(data), configSection(data), summarySection(data), metricsSection(data), distributionSection(data), exposureSection(data), usageSection(data), actionsSection(data), trialsSection(data), hybridSection(data), storiesSection(data)],
        notesSection(data),
      ] : h('div', { class: 'empty', text: 'No run selected. Tick a run in the bar above.' }))
    root.replaceChildren(main)
    document.title = 'usersim report — ' + studies.map(function (s) { return s.id }).concat(data.runs.map(function (r) { return r.id })).join(', ')
    flushCharts(!data.live)
  }

  window.addEventListener('resize', function () { charts.forEach(function (e) { if (e.chart) e.chart.resize() }) })

  // ---------- live mode ----------
  function live(root, cfg) {
    var selected = cfg.runs.slice()
    var version = ''
    var runs = []
    var lastData = null
    var lastOk = 0
    var bar = h('div', { class: 'live-bar' })
    document.body.insertBefore(bar, root)

    function drawBar() {
      var stale = Date.now() - lastOk > cfg.pollMs * 3
      var picker = h('div', { class: 'picker' }, runs.map(function (r) {
        var box = h('input', { type: 'checkbox', 'data-run': r.id })
        box.checked = selected.indexOf(r.id) >= 0
        box.addEventListener('change', function () {
          selected = box.checked ? selected.concat([r.id]) : selected.filter(function (x) { return x !== r.id })
          var u = new URL(location.href)
          u.searchParams.set('runs', selected.join(','))
          history.replaceState(null, '', u.toString())
          version = ''
          poll()
        })
        var prog = h('progress', { max: String(r.rounds), 'data-progress': r.id })
        prog.value = r.roundsDone + (r.runningRound !== null ? r.agentsDoneInRunningRound / Math.max(1, r.agents) : 0)
        return h('label', null, box, r.id, h('span', { class: 'small', text: r.policy }), prog,
          h('span', { class: 'small', 'data-rounds-done': r.id, text: r.roundsDone + '/' + r.rounds }), statusBadge(r.status))
      }))
      bar.replaceChildren(h('span', null, h('span', { class: 'dot' + (stale ? ' stale' : '') }), 'live · updated ' + (lastOk ? new Date(lastOk).toLocaleTimeString() : 'never')), picker)
    }

    function poll() {
      fetch('api/runs', { cache: 'no-store' }).then(function (res) { return res.json() }).then(function (body) {
        runs = body.runs
        if (!selected.length && runs.length) selected = [runs[0].id]
        var q = 'api/report?runs=' + encodeURIComponent(selected.join(',')) + '&v=' + encodeURIComponent(version)
        return fetch(q, { cache: 'no-store' })
      }).then(function (res) { return res.json() }).then(function (body) {
        lastOk = Date.now()
        if (body.error) throw new Error(body.error)
        if (!body.unchanged) {
          version = body.version
          lastData = body.data
          window.usersimReport.data = lastData
          window.usersimReport.updates++
          render(root, lastData)
        }
        drawBar()
      }).catch(function (err) {
        drawBar()
        bar.appendChild(h('span', { class: 'small', text: 'update failed: ' + err.message }))
      })
    }
    drawBar()
    poll()
    setInterval(poll, cfg.pollMs)
  }

  window.usersimReport = { data: null, updates: 0 }
  var root = document.getElementById('report')
  var cfgEl = document.getElementById('usersim-live')
  if (cfgEl) {
    var cfg = JSON.parse(cfgEl.textContent)
    var fromUrl = new URL(location.href).searchParams.get('runs')
    if (fromUrl) cfg.runs = fromUrl.split(',').filter(Boolean)
    live(root, cfg)
  } else {
    var data = JSON.parse(document.getElementById('usersim-data').textContent)
    window.usersimReport.data = data
    render(root, data)
  }
})()
