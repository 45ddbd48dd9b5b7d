import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

/** Debian's chromium (installed by .ci/install-chromium.sh). */
export const CHROMIUM = process.env.USERSIM_CHROMIUM ?? '/usr/bin/chromium'

export interface OpenedPage {
  page: Page
  /** Console errors, uncaught page errors and failed requests seen so far. */
  problems: string[]
  /** Dialogs (alert/confirm) the page tried to open: an escaping failure. */
  dialogs: string[]
  /** Every URL the page requested. */
  requests: string[]
  close(): Promise<void>
}

/** Opens `url` in headless Chromium with a fresh profile and records what goes wrong. */
export async function openInChromium(url: string): Promise<OpenedPage> {
  const context: BrowserContext = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'usersim-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1300, height: 900 },
  })
  const page = await context.newPage()
  const problems: string[] = []
  const dialogs: string[] = []
  const requests: string[] = []
  page.on('request', (r) => requests.push(r.url()))
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`))
  page.on('dialog', (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
  await page.goto(url)
  return { page, problems, dialogs, requests, close: () => context.close() }
}

/** Waits until at least `min` charts have drawn their canvas, and returns how many did. */
export async function renderedCharts(page: Page, min: number): Promise<number> {
  await page.waitForFunction((n) => document.querySelectorAll('[data-chart] canvas').length >= n, min, { timeout: 30_000 })
  return page.locator('[data-chart] canvas').count()
}

/** Chart canvases that actually have something drawn on them (not just an empty element). */
export async function inkedCanvases(page: Page): Promise<number> {
  return page.evaluate(() => {
    let n = 0
    for (const c of document.querySelectorAll<HTMLCanvasElement>('[data-chart] canvas')) {
      const ctx = c.getContext('2d')
      if (!ctx || c.width === 0 || c.height === 0) continue
      const px = ctx.getImageData(0, 0, c.width, c.height).data
      let ink = 0
      for (let i = 3; i < px.length && ink < 200; i += 4) if (px[i]! > 0) ink++
      if (ink >= 200) n++
    }
    return n
  })
}
