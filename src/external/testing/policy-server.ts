import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { agentRng, rngFor, type Catalog, type Policy } from '../../core/index.ts'
import { learnRequest, PROTOCOL, recommendRequest, resetRequest, type InfoResponse } from '../protocol.ts'

/** A fault the server plays on the next requests of an endpoint. */
export type PolicyFault =
  | { kind: 'status'; status: number }
  /** No answer until the client gives up. */
  | { kind: 'hang' }
  /** A slate naming an item outside the catalog, for the request's first user. */
  | { kind: 'unknown-item' }
  | { kind: 'duplicate-item' }
  | { kind: 'too-many-items' }
  | { kind: 'not-json' }

export interface PolicyServerOptions {
  /** The in-process policy to serve (a usersim Policy). */
  policy: Policy<unknown, unknown>
  catalog: Catalog
  /** The name /info reports (default: the policy's). */
  name?: string
  wants?: InfoResponse['wants']
  maxBatch?: number
  port?: number
  /** Added latency per /recommend request, in ms. */
  latencyMs?: number
}

export interface PolicyServer {
  readonly url: string
  readonly stats: { recommend: number; users: number; learn: number; reset: number }
  /** Queues faults for an endpoint (`/recommend`, `/learn`, `/reset`, `/info`): each next request takes one. */
  inject(path: string, ...faults: PolicyFault[]): void
  /** Stops answering (connections are refused until `restart`). */
  stop(): Promise<void>
  restart(): Promise<void>
  close(): Promise<void>
}

/**
 * Serves an in-process usersim policy over `usersim.policy.v1`, with faults on demand: the
 * reference server of the tests and benchmarks (a deterministic policy served this way must
 * give exactly the results it gives in process), and `usersim serve-policy`.
 *
 * @example
 * const server = await startPolicyServer({ policy: popularityPolicy(), catalog })
 * // usersim run feed --policy ${server.url}
 */
export async function startPolicyServer(o: PolicyServerOptions): Promise<PolicyServer> {
  const { policy, catalog } = o
  let state: unknown
  let run: { id: string; seed: number; agents: number; slate: number } | undefined
  const faults = new Map<string, PolicyFault[]>()
  const stats = { recommend: 0, users: 0, learn: 0, reset: 0 }
  const info: InfoResponse = { protocol: PROTOCOL, name: o.name ?? policy.name, wants: o.wants ?? { history: true, candidates: false, utterances: true }, ...(o.maxBatch ? { maxBatch: o.maxBatch } : {}) }

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      let s = ''
      req.setEncoding('utf8')
      req.on('data', (c: string) => (s += c))
      req.on('end', () => resolve(s))
      req.on('error', reject)
    })
  const bad = (res: ServerResponse, status: number, error: string) => send(res, status, { error })

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!
    const fault = faults.get(path)?.shift()
    if (fault?.kind === 'hang') return // the client times out
    if (fault?.kind === 'status') return bad(res, fault.status, `injected ${fault.status}`)
    if (fault?.kind === 'not-json') return send(res, 200, 'this is not json')
    if (path === '/info' && req.method === 'GET') return send(res, 200, info)
    if (req.method !== 'POST') return bad(res, 405, `${req.method} ${path} is not part of the protocol`)
    let body: unknown
    try {
      body = JSON.parse(await read(req))
    } catch {
      return bad(res, 400, 'the body is not JSON')
    }
    if (path === '/reset') {
      const r = resetRequest.safeParse(body)
      if (!r.success) return bad(res, 400, r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '))
      if (r.data.catalog.size !== catalog.items.length) return bad(res, 400, `catalog.size: this server serves ${catalog.items.length} items, the run has ${r.data.catalog.size}`)
      run = { id: r.data.run.id, seed: r.data.run.seed, agents: r.data.agents, slate: r.data.slate }
      state = policy.init({ catalog, agents: run.agents, seed: run.seed, slateSize: run.slate })
      stats.reset++
      return send(res, 200, { ok: true })
    }
    if (!run) return bad(res, 409, 'no run: POST /reset first')
    if (path === '/learn') {
      const r = learnRequest.safeParse(body)
      if (!r.success) return bad(res, 400, r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '))
      if (r.data.run.id !== run.id) return bad(res, 409, `run.id: serving run ${run.id}; POST /reset first`)
      const interactions = r.data.interactions.map((i) => ({ agent: i.user, slate: i.slate, clicks: i.clicks, ratings: i.ratings }))
      state = await policy.learn(state, { round: r.data.round, interactions }, { catalog, agents: run.agents, seed: run.seed, slateSize: run.slate, rng: rngFor(run.seed, 'learn', r.data.round) })
      stats.learn++
      return send(res, 200, { ok: true })
    }
    if (path === '/recommend') {
      const r = recommendRequest.safeParse(body)
      if (!r.success) return bad(res, 400, r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '))
      if (r.data.run.id !== run.id) return bad(res, 409, `run.id: serving run ${run.id}; POST /reset first`)
      if (o.latencyMs) await new Promise((w) => setTimeout(w, o.latencyMs))
      const snapshot = policy.snapshot(state)
      const task = () => Promise.reject(new Error('a served policy cannot run tasks'))
      const slates = []
      for (const u of r.data.users) {
        // The same per-user stream the policy gets in process: results equal the in-process run's.
        const rec = await policy.recommend(snapshot, { id: u.id, history: u.history, utterances: (u.utterances ?? []) as never, memory: undefined }, r.data.k, agentRng(run.seed, u.id, r.data.round, 'policy'), {
          catalog,
          round: r.data.round,
          truth: { utility: () => 0 },
          task,
        })
        slates.push({ user: u.id, items: Array.isArray(rec) ? rec : rec.items })
      }
      if (fault && slates.length) {
        const s = slates[0]!
        if (fault.kind === 'unknown-item') s.items = [catalog.items.length + 5, ...s.items.slice(1)]
        if (fault.kind === 'duplicate-item' && s.items.length > 1) s.items = [s.items[0]!, s.items[0]!, ...s.items.slice(2)]
        if (fault.kind === 'too-many-items') s.items = catalog.items.slice(0, r.data.k + 1).map((it) => it.id)
      }
      stats.recommend++
      stats.users += r.data.users.length
      return send(res, 200, { slates })
    }
    return bad(res, 404, `${path} is not part of the protocol`)
  }

  let server = createServer((req, res) => void handle(req, res).catch((err) => bad(res, 500, (err as Error).message)))
  const listen = (port: number) => new Promise<number>((resolve) => server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)))
  const port = await listen(o.port ?? 0)
  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    inject: (path, ...f) => faults.set(path, [...(faults.get(path) ?? []), ...f]),
    stop: closeServer,
    async restart() {
      // A restarted server has forgotten the run: the client must /reset and replay.
      run = undefined
      state = undefined
      server = createServer((req, res) => void handle(req, res).catch((err) => bad(res, 500, (err as Error).message)))
      await listen(port)
    },
    close: closeServer,
  }
}
