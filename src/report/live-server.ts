import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { SimError } from '../core/index.ts'
import { agentsCommitted, RunStore } from '../store/index.ts'
import { roundProgress } from './report-repo.ts'
import { ReportBuilder } from './report-data.ts'
import { renderReportHtml } from './render-html.ts'

export interface LiveServerOptions {
  db: string
  /** 0 picks a free port. */
  port?: number
  /** Default 127.0.0.1: the page shows run data, so it stays on this machine unless asked. */
  host?: string
  /** Runs selected when the page opens (default: the newest run). */
  runs?: string[]
  pollMs?: number
  stories?: number
}

export interface LiveServer {
  url: string
  port: number
  close(): Promise<void>
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1'])

/**
 * Serves the report page for the runs in a database, live: the page polls
 * `/api/report`, which answers "unchanged" until a round finishes, a shard commits or a
 * run's status moves. The database is read through its own read-only connection (WAL
 * lets it read while a run writes), opened when first needed so the server can start
 * before the run creates the file.
 *
 * @example
 * const server = await startLiveServer({ db: 'usersim.db', port: 8080 })
 * console.log(`open ${server.url}`)
 */
export async function startLiveServer(opts: LiveServerOptions): Promise<LiveServer> {
  const host = opts.host ?? '127.0.0.1'
  const file = resolve(opts.db)
  const pollMs = opts.pollMs ?? 2000
  let store: RunStore | null = null
  let builder: ReportBuilder | null = null
  let page: string | null = null
  // One build at a time: requests from several tabs wait for the same read.
  let queue: Promise<unknown> = Promise.resolve()

  const open = (): { store: RunStore; builder: ReportBuilder } | null => {
    if (!store) {
      if (!existsSync(file)) return null
      store = new RunStore(file, { readonly: true })
      builder = new ReportBuilder(store, { stories: opts.stories }, true)
    }
    return { store, builder: builder! }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed')
    // Against DNS rebinding: on a loopback address, answer only requests addressed to it.
    const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
    if (LOOPBACK.has(host) && !LOOPBACK.has(hostHeader)) return send(res, 403, 'text/plain', 'forbidden host')
    if (url.pathname === '/') {
      page ??= renderReportHtml(null, { live: { pollMs, runs: opts.runs ?? [] } })
      return send(res, 200, 'text/html; charset=utf-8', page)
    }
    if (url.pathname === '/api/runs') {
      const s = open()
      if (!s) return sendJson(res, 200, { runs: [], note: `database ${file} does not exist yet` })
      return sendJson(res, 200, { runs: runList(s.store) })
    }
    if (url.pathname === '/api/report') {
      const s = open()
      if (!s) return sendJson(res, 200, { version: '', data: { format: 1, generatedAt: new Date().toISOString(), db: file, live: true, metrics: [], runs: [], studies: [] } })
      const ids = (url.searchParams.get('runs') ?? '').split(',').map((x) => x.trim()).filter(Boolean)
      const job = queue.then(() => s.builder.build(ids))
      queue = job.catch(() => undefined)
      const data = await job
      const version = createHash('sha1').update(JSON.stringify([data.runs, data.studies])).digest('hex')
      if (version === url.searchParams.get('v')) return sendJson(res, 200, { version, unchanged: true })
      return sendJson(res, 200, { version, data })
    }
    return send(res, 404, 'text/plain', 'not found')
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const code = (err as { code?: string }).code
      sendJson(res, code === 'RUN_NOT_FOUND' ? 404 : 500, { error: (err as Error).message })
    })
  })
  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(new SimError('USAGE', err.code === 'EADDRINUSE' ? `port ${opts.port} is already in use (pick another with --port, or 0 for any free port)` : `cannot serve on ${host}:${opts.port}: ${err.message}`)),
    )
    server.listen(opts.port ?? 8080, host, () => ok())
  })
  const port = (server.address() as AddressInfo).port
  const shown = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shown}:${port}/`,
    port,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections()
        server.close(() => {
          store?.close()
          ok()
        })
      }),
  }
}

/** The runs of the database with how far each has come (the page's run picker). */
function runList(store: RunStore) {
  const by = new Map(roundProgress(store.db).map((p) => [p.run_id, p]))
  return store.listRuns().map((r) => {
    const p = by.get(r.id)
    const running = p?.running ?? null
    return {
      id: r.id,
      scenario: r.scenario,
      policy: r.config.policy,
      status: r.status,
      createdAt: r.createdAt,
      agents: r.config.agents,
      rounds: r.config.rounds,
      roundsDone: p?.done ?? 0,
      runningRound: running,
      agentsDoneInRunningRound: running === null ? 0 : agentsCommitted(store, r.id, running),
    }
  })
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  })
  res.end(body)
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body))
}
