import { z } from 'zod'
import { SimError } from '../core/index.ts'
import { predictResponse, UPLIFT_PROTOCOL, upliftInfoResponse, type UpliftInfo } from './protocol.ts'

/** An uplift model behind `usersim.uplift.v1` (see protocol.ts). */
export interface ExternalUpliftModel {
  info: UpliftInfo
  url: string
  predict(rows: readonly ArrayLike<number>[]): Promise<Float64Array>
}

async function call(url: string, init: RequestInit | undefined, what: string, timeoutMs: number): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })
  } catch (err) {
    throw new SimError('LLM_UNAVAILABLE', `uplift model: ${what} (${url}) got no answer: ${(err as Error).message}`, { cause: err })
  }
  const text = await res.text()
  if (!res.ok) throw new SimError('LLM_UNAVAILABLE', `uplift model: ${what} (${url}) answered HTTP ${res.status}: ${text.slice(0, 200)}`)
  try {
    return JSON.parse(text)
  } catch {
    throw new SimError('DATA_INVALID', `uplift model: ${what} (${url}) answered with something that is not JSON: ${text.slice(0, 120)}`)
  }
}

function parsed<T>(schema: z.ZodType<T>, body: unknown, url: string, what: string): T {
  const r = schema.safeParse(body)
  if (!r.success) {
    const i = r.error.issues[0]!
    throw new SimError('DATA_INVALID', `uplift model at ${url}: ${what}: field "${i.path.join('.') || '(body)'}": ${i.message}`)
  }
  return r.data
}

/**
 * Connects to an external uplift model: reads `/info`, then scores rows with batched
 * `/predict` calls. Wrong answers are errors naming the URL, the field and what was expected.
 */
export async function connectUpliftModel(base: string, opts: { batch?: number; timeoutMs?: number } = {}): Promise<ExternalUpliftModel> {
  const url = base.replace(/\/+$/, '')
  const timeoutMs = opts.timeoutMs ?? 30_000
  const info = parsed(upliftInfoResponse, await call(`${url}/info`, undefined, 'GET /info', timeoutMs), url, 'GET /info')
  const batch = Math.max(1, Math.min(opts.batch ?? 1000, info.maxBatch ?? Number.MAX_SAFE_INTEGER))
  return {
    info,
    url,
    async predict(rows) {
      if (info.features !== undefined && rows.length && rows[0]!.length !== info.features) {
        throw new SimError('DATA_INVALID', `uplift model "${info.name}" expects ${info.features} features per row; the data has ${rows[0]!.length}`)
      }
      const out = new Float64Array(rows.length)
      for (let s = 0; s < rows.length; s += batch) {
        const chunk = rows.slice(s, s + batch)
        const body = { protocol: UPLIFT_PROTOCOL, rows: chunk.map((r, k) => ({ id: s + k, features: Array.from(r) })) }
        const answer = parsed(
          predictResponse,
          await call(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, 'POST /predict', timeoutMs),
          url,
          'POST /predict',
        )
        if (answer.uplift.length !== chunk.length) {
          throw new SimError('DATA_INVALID', `uplift model at ${url}: POST /predict: field "uplift": expected ${chunk.length} numbers (one per row), got ${answer.uplift.length}`)
        }
        answer.uplift.forEach((v, k) => {
          if (!Number.isFinite(v)) throw new SimError('DATA_INVALID', `uplift model at ${url}: POST /predict: field "uplift.${k}": expected a finite number, got ${v}`)
          out[s + k] = v
        })
      }
      return out
    },
  }
}
