import type { IncomingHttpHeaders } from 'node:http'
import { Agent, type Dispatcher } from 'undici'

/**
 * The response headers as node:http parsed them (names already lower-case), behind
 * the part of the Headers interface the openai SDK reads. Building a WHATWG Headers
 * per response showed in profiles at thousands of calls a second.
 */
class NodeHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()]
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined
  }
  *entries(): IterableIterator<[string, string]> {
    for (const k of Object.keys(this.raw)) {
      const v = this.get(k)
      if (v !== null) yield [k, v]
    }
  }
  keys(): IterableIterator<string> {
    return Object.keys(this.raw).values()
  }
  *values(): IterableIterator<string> {
    for (const [, v] of this.entries()) yield v
  }
  forEach(fn: (value: string, key: string, parent: NodeHeaders) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this)
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries()
  }
}

/**
 * A whole, already-received response body behind the part of the Response interface
 * the openai SDK uses (status, ok, headers, json, text, and a stream on demand).
 */
class BufferedResponse {
  readonly ok: boolean
  readonly headers: NodeHeaders
  readonly redirected = false
  readonly type = 'basic'
  bodyUsed = false
  private stream: ReadableStream<Uint8Array> | null | undefined
  constructor(
    private readonly bytes: Buffer | null,
    readonly status: number,
    readonly statusText: string,
    private readonly rawHeaders: IncomingHttpHeaders,
    readonly url: string,
  ) {
    this.ok = status >= 200 && status < 300
    this.headers = new NodeHeaders(rawHeaders)
  }
  private take(): Buffer {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read')
    this.bodyUsed = true
    return this.bytes ?? Buffer.alloc(0)
  }
  get body(): ReadableStream<Uint8Array> | null {
    if (this.stream === undefined) {
      const bytes = this.bytes
      this.stream = bytes === null ? null : new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array(bytes)), c.close()) })
    }
    return this.stream
  }
  async text(): Promise<string> {
    return this.take().toString('utf8')
  }
  async json(): Promise<unknown> {
    return JSON.parse(this.take().toString('utf8'))
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.take()
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer
  }
  async blob(): Promise<Blob> {
    return new Blob([new Uint8Array(this.take())])
  }
  clone(): BufferedResponse {
    return new BufferedResponse(this.bytes, this.status, this.statusText, this.rawHeaders, this.url)
  }
}

function requestHeaders(h: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  if (!h) return out
  if (typeof (h as Headers).forEach === 'function' && !Array.isArray(h)) (h as Headers).forEach((v, k) => (out[k] = v))
  else if (Array.isArray(h)) for (const [k, v] of h) out[k!.toLowerCase()] = v!
  else for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v
  return out
}

const abortError = () => new DOMException('This operation was aborted', 'AbortError')

/**
 * A `fetch` for the OpenAI client on undici's connection pool (keep-alive, one pool per
 * origin), driven through its lowest-level dispatch API. The global fetch costs about
 * three times the CPU per request, and undici's own request() another fifth in body
 * streams; at thousands of calls a second the client's CPU, not the model server,
 * would set the pace. It implements what the openai SDK uses: method, headers, a
 * string or byte body, an AbortSignal, and a response with status, headers and a body
 * read whole (model answers are small; we never stream).
 */
export function keepAliveFetch(maxSockets = 1024): typeof fetch {
  const agent = new Agent({ connections: maxSockets, keepAliveTimeout: 10_000, pipelining: 1 })
  const impl = (input: string | URL | Request, init: RequestInit = {}): Promise<BufferedResponse> => {
    const url = typeof input === 'string' ? new URL(input) : input instanceof URL ? input : new URL(input.url)
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`))
    const body = init.body
    let payload: Buffer | undefined
    if (typeof body === 'string') payload = Buffer.from(body)
    else if (body instanceof Uint8Array) payload = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    else if (body instanceof ArrayBuffer) payload = Buffer.from(body)
    else if (body != null) return Promise.reject(new TypeError('keepAliveFetch supports string and byte bodies only'))
    const method = (init.method ?? 'GET') as Dispatcher.HttpMethod
    const signal = init.signal ?? undefined
    if (signal?.aborted) return Promise.reject(signal.reason ?? abortError())
    return new Promise<BufferedResponse>((resolve, reject) => {
      let controller: Dispatcher.DispatchController | undefined
      let status = 0
      let statusText = ''
      let headers: IncomingHttpHeaders = {}
      const chunks: Buffer[] = []
      const onAbort = () => controller?.abort(signal!.reason ?? abortError())
      signal?.addEventListener('abort', onAbort, { once: true })
      const settle = () => signal?.removeEventListener('abort', onAbort)
      agent.dispatch(
        { origin: url.origin, path: url.pathname + url.search, method, headers: requestHeaders(init.headers), body: payload },
        {
          onRequestStart(c) {
            controller = c
            if (signal?.aborted) c.abort(signal.reason ?? abortError())
          },
          onResponseStart(_c, code, h, message) {
            status = code
            headers = h
            statusText = message ?? ''
          },
          onResponseData(_c, chunk) {
            chunks.push(chunk)
          },
          onResponseEnd() {
            settle()
            const noBody = status === 204 || status === 304 || method === 'HEAD'
            resolve(new BufferedResponse(noBody ? null : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), status, statusText, headers, url.href))
          },
          onResponseError(_c, err) {
            settle()
            reject(err)
          },
        },
      )
    })
  }
  return impl as unknown as typeof fetch
}
