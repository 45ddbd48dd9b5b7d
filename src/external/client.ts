import { z } from 'zod'
import { SimError } from '../core/index.ts'
import type { ExternalPolicyOptions } from './options.ts'
import { redactUrl } from './options.ts'
import { errorResponse, infoResponse, okResponse, type InfoResponse } from './protocol.ts'

/** Statuses worth another attempt: the server is busy, restarting or briefly failing. */
const RETRY_STATUS = new Set([408, 425, 429, 500, 502, 503, 504])

export interface PolicyClientOptions extends ExternalPolicyOptions {
  /** Environment to read the auth token from (default: process.env). */
  env?: Record<string, string | undefined>
}

/**
 * Talks `usersim.policy.v1` to one server: JSON over HTTP with a timeout per attempt and
 * retries with backoff on timeouts, network errors, 429 and 5xx. Answers are validated with
 * the protocol's zod schemas; every error names the policy's URL, the endpoint and what was wrong.
 */
export class PolicyClient {
  readonly url: string
  /** The URL as it may be shown (no credentials). */
  readonly shown: string
  private readonly headers: Record<string, string>

  constructor(
    url: string,
    private readonly o: PolicyClientOptions,
  ) {
    this.url = url.replace(/\/+$/, '')
    this.shown = redactUrl(this.url)
    this.headers = { 'content-type': 'application/json' }
    if (o.authEnv) {
      const token = (o.env ?? process.env)[o.authEnv]
      if (!token) throw new SimError('USAGE', `policy ${this.shown}: environment variable ${o.authEnv} (policy.authEnv) is not set`)
      this.headers.authorization = `Bearer ${token}`
    }
  }

  info(): Promise<InfoResponse> {
    return this.call('GET', '/info', undefined, infoResponse)
  }

  /** POST a message and validate the answer with `schema`. */
  post<T>(path: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    return this.call('POST', path, body, schema)
  }

  ok(path: string, body: unknown): Promise<unknown> {
    return this.call('POST', path, body, okResponse)
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    const what = `policy ${this.shown}: ${method} ${path}`
    const payload = body === undefined ? undefined : JSON.stringify(body)
    let last = ''
    for (let attempt = 1; attempt <= this.o.attempts; attempt++) {
      if (attempt > 1) await sleep(Math.min(10_000, this.o.backoffMs * 2 ** (attempt - 2)))
      let res: Response
      try {
        res = await fetch(this.url + path, { method, headers: this.headers, body: payload, signal: AbortSignal.timeout(this.o.timeoutMs) })
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } }
        last = e.name === 'TimeoutError' ? `no answer within ${this.o.timeoutMs} ms` : `${e.cause?.code ?? e.message}`
        continue
      }
      const text = await res.text().catch(() => '')
      if (!res.ok) {
        const reason = errorText(text) ?? (text.slice(0, 200) || res.statusText)
        if (RETRY_STATUS.has(res.status)) {
          last = `HTTP ${res.status}: ${reason}`
          continue
        }
        // A 4xx is the protocol broken by one side: another attempt would get the same.
        throw new SimError(res.status === 409 ? 'POLICY_UNAVAILABLE' : 'POLICY_FAILED', `${what} answered HTTP ${res.status}: ${reason}`)
      }
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        throw new SimError('POLICY_FAILED', `${what}: the answer is not JSON (${text.slice(0, 80)}…)`)
      }
      const parsed = schema.safeParse(json)
      if (!parsed.success) throw new SimError('POLICY_FAILED', `${what}: the answer breaks the protocol: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`)
      return parsed.data
    }
    throw new SimError('POLICY_UNAVAILABLE', `${what} failed ${this.o.attempts} times (last: ${last})`)
  }
}

function errorText(text: string): string | undefined {
  try {
    const e = errorResponse.safeParse(JSON.parse(text))
    return e.success ? e.data.error : undefined
  } catch {
    return undefined
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
