import http from 'node:http'
import https from 'node:https'

/**
 * A `fetch` for the OpenAI client built on node:http with keep-alive agents. The
 * global fetch (undici) costs about three times the CPU per request, and at thousands
 * of calls a second the client's CPU, not the model server, would set the pace.
 * It implements what the openai SDK uses: method, headers, a string or byte body,
 * an AbortSignal, and a Response with status, headers and body.
 */
export function keepAliveFetch(maxSockets = 1024): typeof fetch {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets, keepAliveMsecs: 10_000 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets, keepAliveMsecs: 10_000 }),
  }
  const impl = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = typeof input === 'string' ? new URL(input) : input instanceof URL ? input : new URL(input.url)
    const mod = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined
    if (!mod) return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`))
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((v, k) => (headers[k] = v))
    const body = init.body
    let payload: Buffer | undefined
    if (typeof body === 'string') payload = Buffer.from(body)
    else if (body instanceof Uint8Array) payload = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    else if (body instanceof ArrayBuffer) payload = Buffer.from(body)
    else if (body != null) return Promise.reject(new TypeError('keepAliveFetch supports string and byte bodies only'))
    if (payload) headers['content-length'] = String(payload.length)
    const signal = init.signal ?? undefined
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason ?? new DOMException('aborted', 'AbortError'))
      const req = mod.request(
        { protocol: url.protocol, hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: init.method ?? 'GET', headers, agent: agents[url.protocol as 'http:'] },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('error', reject)
          res.on('end', () => {
            cleanup()
            const h = new Headers()
            for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v)
            const status = res.statusCode ?? 500
            const noBody = status === 204 || status === 304
            resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage, headers: h }))
          })
        },
      )
      const onAbort = () => {
        req.destroy()
        reject(signal?.reason ?? new DOMException('aborted', 'AbortError'))
      }
      const cleanup = () => signal?.removeEventListener('abort', onAbort)
      signal?.addEventListener('abort', onAbort, { once: true })
      req.on('error', (err) => {
        cleanup()
        reject(err)
      })
      req.end(payload)
    })
  }
  return impl as typeof fetch
}
