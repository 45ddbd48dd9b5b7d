import { spawn } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { recordStudy } from '../../src/report/studies.ts'
import { HOSTILE_TITLES } from '../fixtures/report-hostile-scenario.ts'
import { RANKING_RESULT } from '../fixtures/study-results.ts'
import { BIN, ROOT, runCli, tempDir } from '../helpers/cli.ts'
import { inkedCanvases, openInChromium, renderedCharts } from '../helpers/report-browser.ts'

const shots = tempDir('usersim-report-shots-')
afterAll(() => console.log(`report screenshots in ${shots}`))

/** GET with a chosen Host header (fetch does not let a caller set it). */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((ok, fail) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume()
      ok(res.statusCode ?? 0)
    })
    req.on('error', fail)
    req.end()
  })
}

async function runJson(args: string[]): Promise<{ runId: string }> {
  const r = await runCli(args)
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as { runId: string }
}

// Timeouts are generous because CI machines are shared; nothing here measures speed.
describe('usersim report in a browser', () => {
  it('compares two runs in one self-contained file: charts drawn, no errors, no network', async () => {
    const dir = tempDir('usersim-report-')
    const db = join(dir, 'runs.db')
    const common = ['--agents', '500', '--rounds', '4', '--catalog', '600', '--threads', '0', '--db', db, '--json']
    const a = await runJson(['run', 'feed', '--policy', 'popularity', ...common])
    const b = await runJson(['run', 'feed', '--policy', 'random', ...common])
    const out = join(dir, 'report.html')
    const r = await runCli(['report', `${a.runId},${b.runId}`, '--db', db, '--out', out, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const written = JSON.parse(r.stdout) as { bytes: number; runs: string[] }
    expect(written.runs).toEqual([a.runId, b.runId])
    expect(statSync(out).size).toBe(written.bytes)
    expect(readFileSync(out, 'utf8')).not.toMatch(/<script[^>]+src=|<link[^>]+href="(?!data:)/)

    const { page, problems, dialogs, requests, close } = await openInChromium(`file://${out}`)
    try {
      const charts = await renderedCharts(page, 25)
      expect(charts).toBeGreaterThanOrEqual(25)
      expect(await inkedCanvases(page)).toBeGreaterThanOrEqual(25)
      for (const id of ['config', 'summary', 'metrics', 'distributions', 'exposure', 'usage', 'stories']) {
        expect(await page.locator(`section#${id}`).count(), id).toBe(1)
      }
      const text = await page.locator('body').innerText()
      expect(text).toContain(a.runId)
      expect(text).toContain(b.runId)
      expect(await page.locator('[data-story]').count()).toBe(6)
      expect(await page.locator('section#exposure tbody tr').count()).toBeGreaterThan(10)
      await page.screenshot({ path: join(shots, 'report-top.png') })
      await page.locator('section#metrics').screenshot({ path: join(shots, 'report-metrics.png') })
      await page.screenshot({ path: join(shots, 'report-full.png'), fullPage: true })
      // Self-contained: the page asked for nothing but itself.
      expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([])
      expect(problems).toEqual([])
      expect(dialogs).toEqual([])
    } finally {
      await close()
    }
  }, 240_000)

  it('draws a compare study and a ranking study (forest plots, orderings, distributions) next to a run, without errors', async () => {
    const dir = tempDir('usersim-report-')
    const db = join(dir, 'studies.db')
    const ab = await runCli(['compare', 'feed', '--policy', 'popularity', '--policy', 'random', '--policy', 'oracle', '--agents', '60', '--rounds', '2', '--seeds', '2', '--db', db, '--json'])
    expect(ab.code, ab.stderr).toBe(0)
    const compare = JSON.parse(ab.stdout) as { study: string; policies: Array<{ runs: string[] }> }
    // A ranking study as eval ranking stores it, with distributions (a fixture: MovieLens calibration is slow).
    // One policy label is markup (a policy server's URL or option values are free text): it must show as text.
    const hostile = '<img src=x onerror=alert(9)>'
    const result = JSON.parse(JSON.stringify(RANKING_RESULT).replaceAll('"bpr"', JSON.stringify(hostile))) as typeof RANKING_RESULT
    const ranking = recordStudy(db, 'ranking', result, result.policies.map((p) => p.simulated.runId))
    const out = join(dir, 'studies.html')
    // The ranking study by name; the compare study because one of its runs is named.
    const r = await runCli(['report', `study:${ranking},${compare.policies[0]!.runs[0]}`, '--db', db, '--out', out, '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ studies: [ranking, compare.study] })

    const { page, problems, dialogs, close } = await openInChromium(`file://${out}`)
    try {
      await renderedCharts(page, 45)
      expect(await page.locator('section.study').count()).toBe(2)
      const study = (id: string) => page.locator(`section[data-study="${id}"]`)
      // Compare: an estimate chart and a forest plot per metric, every one drawn.
      expect(await study(compare.study).locator('[data-forest] canvas').count()).toBe(4)
      expect(await study(compare.study).locator('[data-chart] canvas').count()).toBe(8)
      const abText = await study(compare.study).innerText()
      expect(abText).toContain('Paired differences against popularity')
      expect(abText).toMatch(/oracle\s+satisfaction\s+\+?\S+ \[\S+, \S+\]\s+\S+\s+(higher|lower|cannot be told apart)/)
      // Ranking: a scatter and a rank-vs-rank chart per agreement pair, and the distributions.
      expect(await study(ranking).locator('[data-chart] canvas').count()).toBe(5 + 5 + 3)
      expect(await study(ranking).locator('[data-distribution]').count()).toBe(3)
      const rankText = await study(ranking).innerText()
      expect(rankText).toContain('simulation DISAGREES')
      expect(rankText).toMatch(/<img src=x onerror=alert\(9\)>\s+-0\.0120 \[/)
      expect(await page.evaluate(() => document.querySelectorAll('#report img, #report script').length)).toBe(0)
      expect(rankText).toMatch(/popularity\s+0\.0123\s+0\.0210\s+—/)
      expect(await inkedCanvases(page)).toBeGreaterThanOrEqual(35)
      // The run's own sections follow the studies.
      expect(await page.locator('section#summary').count()).toBe(1)
      await study(compare.study).screenshot({ path: join(shots, 'study-compare.png') })
      await study(ranking).screenshot({ path: join(shots, 'study-ranking.png') })
      expect(problems).toEqual([])
      expect(dialogs).toEqual([])
    } finally {
      await close()
    }
  }, 240_000)

  it('labels the y axis of every metric chart with distinct values, even over a narrow range (exposure Gini near 1)', async () => {
    const dir = tempDir('usersim-report-')
    const db = join(dir, 'gini.db')
    // A large catalog and few agents: the Gini stays within 0.9992–0.9995 over the rounds.
    const run = await runJson(['run', 'feed', '--agents', '200', '--rounds', '4', '--catalog', '20000', '--threads', '0', '--db', db, '--json'])
    const out = join(dir, 'gini.html')
    const r = await runCli(['report', run.runId, '--db', db, '--out', out])
    expect(r.code, r.stderr).toBe(0)
    const { page, problems, close } = await openInChromium(`file://${out}`)
    try {
      await renderedCharts(page, 20)
      const labels = await page.evaluate(() => {
        const out: Record<string, string[]> = {}
        const ec = (window as unknown as { echarts: { getInstanceByDom(el: Element): { getModel(): { getComponent(t: string): { axis: { getViewLabels(): { formattedLabel: string }[] } } } } } }).echarts
        for (const el of document.querySelectorAll('[data-chart^="metric:"]')) {
          out[el.getAttribute('data-chart')!] = ec.getInstanceByDom(el).getModel().getComponent('yAxis').axis.getViewLabels().map((l) => l.formattedLabel)
        }
        return out
      })
      expect(labels['metric:gini']!.length).toBeGreaterThan(1)
      for (const [chart, ls] of Object.entries(labels)) expect(new Set(ls).size, `${chart}: ${ls.join(' ')}`).toBe(ls.length)
      expect(problems).toEqual([])
    } finally {
      await close()
    }
  }, 240_000)

  it('shows hostile titles, persona names, tags and params as text and runs none of them', async () => {
    const dir = tempDir('usersim-report-')
    const db = join(dir, 'hostile.db')
    const run = await runJson(['run', 'test/fixtures/report-hostile-scenario.ts', '--threads', '0', '--db', db, '--json'])
    const out = join(dir, 'hostile.html')
    const r = await runCli(['report', run.runId, '--db', db, '--out', out, '--stories', '4'])
    expect(r.code, r.stderr).toBe(0)
    const html = readFileSync(out, 'utf8')
    expect(html).not.toContain('<script>alert')
    expect(html).not.toContain('<img src=x')

    const { page, problems, dialogs, close } = await openInChromium(`file://${out}`)
    try {
      await renderedCharts(page, 20)
      await page.waitForTimeout(300)
      // Nothing from the data became an element.
      const injected = await page.evaluate(() => document.querySelectorAll('#report img, #report svg, #report iframe, #report b, #report i, #report u, #report script').length)
      expect(injected).toBe(0)
      expect(await page.evaluate(() => document.scripts.length)).toBe(3)
      const text = await page.locator('#report').innerText()
      for (const t of HOSTILE_TITLES.slice(0, 4)) expect(text).toContain(t)
      expect(text).toContain('line separator & ampersand')
      expect(text).toContain('<img src=x onerror=alert(8)>') // persona names
      expect(text).toContain('</style><script>alert(6)</script>') // categories
      expect(text).toContain('<b onmouseover=alert(5)>label</b>') // scenario params
      expect(await page.locator('.said').count()).toBeGreaterThan(0)
      expect(await page.title()).toContain(run.runId)
      await page.locator('section#stories').screenshot({ path: join(shots, 'hostile-stories.png') })
      expect(dialogs).toEqual([])
      expect(problems).toEqual([])
    } finally {
      await close()
    }
  }, 240_000)

  it('shows LLM usage per task and corrections when the run has them', async () => {
    const dir = tempDir('usersim-report-')
    const db = join(dir, 'llm.db')
    const mock = spawn(process.execPath, [BIN, 'mock-llm', '--port', '0', '--latency', '5', '--json'], { cwd: ROOT, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'ignore'] })
    try {
      const base = await new Promise<string>((ok, fail) => {
        let out = ''
        const t = setTimeout(() => fail(new Error('mock-llm printed no address')), 60_000)
        mock.stdout.on('data', (d) => {
          out += d
          const line = out.split('\n').find((l) => l.startsWith('{'))
          if (line) {
            clearTimeout(t)
            ok((JSON.parse(line) as { url: string }).url)
          }
        })
      })
      const run = await runJson(['run', 'feed', '--agents', '60', '--rounds', '2', '--catalog', '200', '--critics', 'on', '--llm', 'openai', '--model', 'test-model', '--base-url', base, '--db', db, '--json'])
      const out = join(dir, 'llm.html')
      const r = await runCli(['report', run.runId, '--db', db, '--out', out])
      expect(r.code, r.stderr).toBe(0)
      const { page, problems, close } = await openInChromium(`file://${out}`)
      try {
        await renderedCharts(page, 20)
        const usage = await page.locator('section#usage').innerText()
        expect(usage).toContain('LLM calls per task')
        expect(usage).toMatch(/evaluate-slate\s+\d+\s+[\d,]+\s+[\d,]+/)
        expect(await page.locator('[data-chart="llmTokens"] canvas').count()).toBe(1)
        expect(await page.locator('section#actions').innerText()).toContain('corrections')
        await page.locator('section#usage').screenshot({ path: join(shots, 'llm-usage.png') })
        expect(problems).toEqual([])
      } finally {
        await close()
      }
    } finally {
      mock.kill('SIGTERM')
    }
  }, 240_000)

  it('usersim run --serve: the live page updates while the run progresses', async () => {
    const db = join(tempDir('usersim-live-'), 'live.db')
    const child = spawn(process.execPath, [BIN, 'run', 'feed', '--agents', '2500', '--rounds', '60', '--catalog', '800', '--threads', '1', '--db', db, '--serve', '0', '--json'], {
      cwd: ROOT,
      env: { ...process.env, CI: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    try {
      const url = await new Promise<string>((ok, fail) => {
        const t = setTimeout(() => fail(new Error(`no live URL printed: ${stderr}`)), 30_000)
        child.stderr.on('data', () => {
          const m = /live view at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)
          if (m) {
            clearTimeout(t)
            ok(m[1]!)
          }
        })
        child.on('exit', () => fail(new Error(`run exited early: ${stderr}`)))
      })
      // Only loopback, and only requests addressed to it.
      expect(await statusWithHost(`${url}api/runs`, 'attacker.example')).toBe(403)
      expect(await statusWithHost(`${url}api/runs`, new URL(url).host)).toBe(200)

      const { page, problems, close } = await openInChromium(url)
      try {
        const roundsDone = () => page.evaluate(() => window.usersimReport?.data?.runs?.[0]?.progress?.roundsDone ?? -1)
        const status = () => page.evaluate(() => window.usersimReport?.data?.runs?.[0]?.status ?? '')
        await page.waitForFunction(() => (window.usersimReport?.data?.runs?.[0]?.progress?.roundsDone ?? 0) >= 1, null, { timeout: 120_000 })
        const first = await roundsDone()
        expect(await status()).toBe('running')
        await renderedCharts(page, 20)
        // The page moves on by itself (it polls); the run is still going.
        await page.waitForFunction((n) => (window.usersimReport?.data?.runs?.[0]?.progress?.roundsDone ?? 0) >= n + 2, first, { timeout: 120_000 })
        const later = await roundsDone()
        expect(later).toBeGreaterThanOrEqual(first + 2)
        expect(await status()).toBe('running')
        const shown = await page.locator(`[data-rounds-done]`).first().innerText()
        expect(Number(shown.split('/')[0])).toBeGreaterThanOrEqual(first + 1)
        expect(await inkedCanvases(page)).toBeGreaterThanOrEqual(20)
        await page.screenshot({ path: join(shots, 'live.png') })
        expect(problems).toEqual([])
      } finally {
        await close()
      }
    } finally {
      child.kill('SIGTERM')
      await new Promise((ok) => (child.exitCode !== null ? ok(null) : child.once('exit', ok)))
    }
  }, 240_000)
})

declare global {
  interface Window {
    usersimReport?: { data?: { runs?: Array<{ status: string; progress: { roundsDone: number } }> }; updates: number }
  }
}
