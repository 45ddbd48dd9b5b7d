import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { hashString, rngFor, type ChatMessage } from '../../core/index.ts'
import { estimateTokens, tokenCounter, type TokenCounter } from '../tokens.ts'
import { sampleFromSchema, type JsonSchema } from './schema-sample.ts'
import { SCHEMA_MARKER } from '../structured.ts'

/** A fault the server can inject into one answer. */
export type Fault =
  /** 429 with a Retry-After header (seconds). */
  | { kind: 'rate-limit'; retryAfterS?: number }
  /** 500 Internal Server Error. */
  | { kind: 'server-error' }
  /** Answers only after `ms` more milliseconds (past a client's timeout). */
  | { kind: 'slow'; ms: number }
  /** Destroys the connection without an answer. */
  | { kind: 'reset' }
  /** 200 with content that is not valid JSON. */
  | { kind: 'malformed' }
  /** 200 with valid JSON that breaks the requested schema. */
  | { kind: 'schema-break' }
  /** 401 invalid API key. */
  | { kind: 'unauthorized' }

export type FaultKind = Fault['kind']

/** The body of a chat-completions request, as far as the server reads it. */
export interface ChatRequestBody {
  model: string
  messages: ChatMessage[]
  temperature?: number
  seed?: number
  max_tokens?: number
  /** Asks for token log-probabilities of the answer. */
  logprobs?: boolean
  response_format?: { type: 'json_schema'; json_schema: { name: string; schema: JsonSchema } } | { type: 'json_object' } | { type: 'text' }
}

/** What a script returns for a request: the content (text or a value to JSON-encode), or a fault. */
export type ScriptedAnswer = { content: string } | { json: unknown } | { fault: Fault } | undefined

export interface OpenAiTestServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number
  /** Time to answer one request once it holds a capacity slot (ms). */
  latencyMs?: number
  /** Requests served at once; more wait in a queue (like a model server's batch). Default: unlimited. */
  capacity?: number
  /** Past capacity: 'queue' (the default, like vLLM) or 'reject' with a 429 (like hosted APIs); counted as fault `overflow`. */
  overflow?: 'queue' | 'reject'
  /** Model names served (others get 404 model_not_found). Default: ['test-model']. */
  models?: string[]
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (else 401). */
  apiKey?: string
  /** Scripted answers; return undefined to use the default (a value that fits the request's schema). */
  answer?: (req: ChatRequestBody, n: number) => ScriptedAnswer
  /** Random faults: each request fails with probability `rate`, with a kind drawn from `kinds`. */
  randomFaults?: { rate: number; kinds: FaultKind[]; seed?: number }
  /** Usage figures: 'estimate' (4 chars a token, cheap) or 'tiktoken' (exact o200k counts). */
  tokens?: 'estimate' | 'tiktoken'
  /** false: refuse response_format json_schema with a 400, like servers that only know JSON mode. */
  jsonSchema?: boolean
  /** Keep every request body in `requests` (default true; turn off for long benchmarks). */
  keepRequests?: boolean
  /**
   * Report prompt tokens served from a prefix cache (usage.prompt_tokens_details.cached_tokens),
   * as vLLM and hosted APIs do: the longest run of leading messages seen in an earlier
   * request counts as cached. Default true.
   */
  prefixCache?: boolean
}

/** Counters the tests and benchmarks read. */
export interface TestServerStats {
  /** Chat-completion requests received. */
  requests: number
  /** Requests answered 200. */
  ok: number
  /** Requests open right now (queued or being served). */
  open: number
  /** Most requests ever open at once: what a client limit must bound. */
  peakOpen: number
  /** Most requests ever served at once (≤ capacity). */
  peakActive: number
  faults: Record<string, number>
  modelsListed: number
}

/**
 * A real HTTP server on 127.0.0.1 speaking the OpenAI chat-completions protocol
 * (POST /v1/chat/completions, GET /v1/models), for tests, benchmarks and dry runs;
 * GET /_stats returns its counters (for a benchmark with the server in another process).
 * By default it answers every request with a value that satisfies the request's JSON
 * schema, so any task runs without scripting.
 *
 * @example
 * const server = await startOpenAiTestServer({ latencyMs: 50, capacity: 64 })
 * server.inject({ kind: 'rate-limit', retryAfterS: 1 }, { kind: 'malformed' })
 * // point a ChatOpenAI (configuration.baseURL = server.url) at it, then:
 * console.log(server.stats.peakOpen)
 * await server.close()
 */
export interface OpenAiTestServer {
  /** Base URL for an OpenAI client, e.g. http://127.0.0.1:41234/v1 */
  readonly url: string
  readonly port: number
  readonly stats: TestServerStats
  /** Request bodies received, in arrival order (unless keepRequests is false). */
  readonly requests: ChatRequestBody[]
  /** Queues faults: each of the next requests takes the next fault. */
  inject(...faults: Fault[]): void
  /** Resets counters and the request log. */
  reset(): void
  close(): Promise<void>
}

export async function startOpenAiTestServer(opts: OpenAiTestServerOptions = {}): Promise<OpenAiTestServer> {
  const latency = opts.latencyMs ?? 0
  const capacity = opts.capacity ?? Number.POSITIVE_INFINITY
  const models = opts.models ?? ['test-model']
  const keep = opts.keepRequests ?? true
  const counter: TokenCounter | undefined = opts.tokens === 'tiktoken' ? await tokenCounter() : undefined
  const queued: Fault[] = []
  const waiting: Array<() => void> = []
  const requests: ChatRequestBody[] = []
  const stats: TestServerStats = { requests: 0, ok: 0, open: 0, peakOpen: 0, peakActive: 0, faults: {}, modelsListed: 0 }
  let active = 0
  let n = 0
  const faultRng = rngFor(opts.randomFaults?.seed ?? 1, 'faults')
  const prefixes = new Set<number>()
  /** Leading messages of this request already seen (message by message, like a block cache at message granularity). */
  const cachedPrefix = (messages: readonly ChatMessage[]): number => {
    if (opts.prefixCache === false) return 0
    let h = 0
    let cached = 0
    for (let i = 0; i < messages.length - 1; i++) {
      h = hashString(`${h}\u0000${messages[i]!.role}\u0000${messages[i]!.content}`)
      if (prefixes.has(h)) cached = i + 1
      else prefixes.add(h)
    }
    if (prefixes.size > 500_000) prefixes.clear()
    return cached
  }

  const acquire = (): Promise<void> => {
    if (active < capacity) {
      active++
      stats.peakActive = Math.max(stats.peakActive, active)
      return Promise.resolve()
    }
    return new Promise((resolve) => waiting.push(resolve))
  }
  const release = () => {
    const next = waiting.shift()
    if (next) next()
    else active--
  }

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed) return
    const text = JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
    res.end(text)
  }
  const error = (res: ServerResponse, status: number, message: string, type: string, code: string | null, headers?: Record<string, string>) =>
    send(res, status, { error: { message, type, param: null, code } }, headers)

  const authorized = (req: IncomingMessage) => !opts.apiKey || req.headers.authorization === `Bearer ${opts.apiKey}`

  const handleChat = async (req: IncomingMessage, res: ServerResponse, raw: string) => {
    let body: ChatRequestBody
    try {
      body = JSON.parse(raw) as ChatRequestBody
    } catch {
      return error(res, 400, 'request body is not valid JSON', 'invalid_request_error', null)
    }
    stats.requests++
    const k = n++
    if (keep) requests.push(body)
    if (!authorized(req)) return error(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key')
    if (!models.includes(body.model)) {
      return error(res, 404, `The model \`${body.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found')
    }
    if (opts.jsonSchema === false && body.response_format?.type === 'json_schema') {
      return error(res, 400, "response_format of type 'json_schema' is not supported by this server", 'invalid_request_error', null)
    }
    const scripted = opts.answer?.(body, k)
    let fault = queued.shift() ?? (scripted && 'fault' in scripted ? scripted.fault : undefined)
    if (!fault && opts.randomFaults && opts.randomFaults.kinds.length && faultRng.next() < opts.randomFaults.rate) {
      const kind = faultRng.pick(opts.randomFaults.kinds)
      fault = kind === 'slow' ? { kind, ms: 60_000 } : ({ kind } as Fault)
    }
    if (fault) stats.faults[fault.kind] = (stats.faults[fault.kind] ?? 0) + 1
    if (fault?.kind === 'unauthorized') return error(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key')
    if (fault?.kind === 'rate-limit') {
      return error(res, 429, 'Rate limit reached, retry later.', 'rate_limit_error', 'rate_limit_exceeded', { 'retry-after': String(fault.retryAfterS ?? 1) })
    }
    if (fault?.kind === 'server-error') return error(res, 500, 'The server had an error while processing your request.', 'server_error', null)

    if (opts.overflow === 'reject' && active >= capacity) {
      stats.faults.overflow = (stats.faults.overflow ?? 0) + 1
      return error(res, 429, 'The server is at capacity, retry later.', 'rate_limit_error', 'rate_limit_exceeded', { 'retry-after': '0' })
    }
    stats.open++
    stats.peakOpen = Math.max(stats.peakOpen, stats.open)
    await acquire()
    try {
      const delay = latency + (fault?.kind === 'slow' ? fault.ms : 0)
      // A client that hangs up (a timeout, a hedge that lost) frees its slot at once, as
      // vLLM aborts a request whose connection closed.
      if (delay > 0) {
        await new Promise<void>((r) => {
          const t = setTimeout(r, delay)
          res.once('close', () => {
            clearTimeout(t)
            r()
          })
        })
      }
      if (res.destroyed || res.writableEnded) return
      if (fault?.kind === 'reset') {
        req.socket.destroy()
        return
      }
      let content: string
      if (fault?.kind === 'malformed') content = '{"answer": [1, 2, "unterminated'
      else if (fault?.kind === 'schema-break') content = JSON.stringify({ unexpected: 'this object breaks the schema' })
      else if (scripted && 'content' in scripted) content = scripted.content
      else if (scripted && 'json' in scripted) content = JSON.stringify(scripted.json)
      else content = defaultContent(body)
      const promptTokens = counter ? counter.messages(body.messages) : estimateTokens(body.messages)
      const lead = body.messages.slice(0, cachedPrefix(body.messages))
      const cachedTokens = lead.length ? Math.min(promptTokens, counter ? counter.messages(lead) : estimateTokens(lead)) : 0
      const completionTokens = counter ? counter.text(content) : Math.ceil(content.length / 4)
      stats.ok++
      send(res, 200, {
        id: `chatcmpl-${k}`,
        object: 'chat.completion',
        created: 1_700_000_000,
        model: body.model,
        system_fingerprint: 'usersim-test',
        choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: body.logprobs ? tokenLogprobs(content) : null, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          total_tokens: promptTokens + completionTokens,
          ...(opts.prefixCache === false ? {} : { prompt_tokens_details: { cached_tokens: cachedTokens } }),
        },
      })
    } finally {
      stats.open--
      release()
    }
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!.replace(/\/+$/, '')
      if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
        stats.modelsListed++
        if (!authorized(req)) return error(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key')
        return send(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'usersim' })) })
      }
      if (req.method === 'GET' && path === '/_stats') return send(res, 200, stats)
      if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) {
        handleChat(req, res, Buffer.concat(chunks).toString('utf8')).catch((err) => error(res, 500, String(err), 'server_error', null))
        return
      }
      error(res, 404, `no route ${req.method} ${path}`, 'invalid_request_error', null)
    })
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    stats,
    requests,
    inject: (...faults) => void queued.push(...faults),
    reset: () => {
      Object.assign(stats, { requests: 0, ok: 0, peakOpen: stats.open, peakActive: active, faults: {}, modelsListed: 0 })
      requests.length = 0
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Log-probabilities in the chat-completions shape: the answer in 4-character tokens, each with a seeded value. */
function tokenLogprobs(content: string) {
  const rng = rngFor(hashString(content), 'logprobs')
  const tokens = content.match(/[\s\S]{1,4}/g) ?? []
  return { content: tokens.map((token) => ({ token, logprob: -rng.next() * 2, bytes: [...Buffer.from(token)], top_logprobs: [] })), refusal: null }
}

/** A JSON answer that fits the request's schema (json_schema), or the schema quoted in the prompt (json_object). */
function defaultContent(body: ChatRequestBody): string {
  const seed = hashString(JSON.stringify(body.messages)) ^ (body.seed ?? 0)
  const last = body.messages.at(-1)?.content ?? ''
  const hints = { integers: [...new Set((last.match(/\bid (\d+)/g) ?? []).map((m) => Number(m.slice(3))))] }
  const rf = body.response_format
  if (rf?.type === 'json_schema') return JSON.stringify(sampleFromSchema(rf.json_schema.schema, seed, hints))
  if (rf?.type === 'json_object') {
    const schema = schemaInPrompt(body.messages)
    return JSON.stringify(schema ? sampleFromSchema(schema, seed, hints) : {})
  }
  return 'ok'
}


function schemaInPrompt(messages: readonly ChatMessage[]): JsonSchema | undefined {
  for (const m of messages) {
    const at = m.content.indexOf(SCHEMA_MARKER)
    if (at < 0) continue
    try {
      return JSON.parse(m.content.slice(at + SCHEMA_MARKER.length).trim()) as JsonSchema
    } catch {
      return undefined
    }
  }
  return undefined
}
