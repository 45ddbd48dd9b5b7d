import { SimError } from '../core/index.ts'
import { keepAliveFetch } from './keep-alive-fetch.ts'
import { openAiChatModel } from './model-client.ts'
import { classify } from './retry.ts'
import { modelSettings, type OpenAiSettings } from './settings.ts'

/** What each endpoint said before the run. */
export interface PreflightResult {
  url: string
  /** How the check was made: the models list, or a tiny call where there is no list. */
  via: 'models' | 'call'
  models: string[]
  ms: number
}

function reachError(url: string, err: unknown): SimError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  const detail = cause?.code ?? cause?.message ?? (err as Error).message
  return new SimError('LLM_UNAVAILABLE', `cannot reach the model server at ${url} (${detail}); is it running, and is --base-url right (it usually ends in /v1)?`)
}

/**
 * Checks every endpoint before a run is created: it must answer, accept the key and
 * serve every model the run names. GET /models first; servers without that route get a
 * tiny chat call per model instead. Throws LLM_UNAVAILABLE, LLM_AUTH or
 * LLM_MODEL_NOT_FOUND with a message that says which endpoint and what to fix.
 */
export async function preflight(s: OpenAiSettings, opts: { timeoutMs?: number } = {}): Promise<PreflightResult[]> {
  // A mixed population: each model on its own endpoints (or the shared ones).
  if (s.agentModels) return (await Promise.all(s.agentModels.models.map((m) => preflight(modelSettings(s, m.model), opts)))).flat()
  const wanted = [...new Set([s.model, ...Object.values(s.taskModels)])]
  const timeoutMs = opts.timeoutMs ?? Math.min(s.timeoutMs, 15_000)
  const key = process.env.OPENAI_API_KEY
  const fetchImpl = keepAliveFetch(8)
  return Promise.all(
    s.endpoints.map(async ({ url }): Promise<PreflightResult> => {
      const t0 = performance.now()
      let res: Response
      try {
        res = await fetchImpl(`${url.replace(/\/+$/, '')}/models`, {
          headers: key ? { authorization: `Bearer ${key}` } : {},
          signal: AbortSignal.timeout(timeoutMs),
        })
      } catch (err) {
        throw reachError(url, err)
      }
      if (res.status === 401 || res.status === 403) {
        throw new SimError('LLM_AUTH', `${url} refused the API key (HTTP ${res.status}); set OPENAI_API_KEY to a key this server accepts`)
      }
      if (res.ok) {
        const body = (await res.json().catch(() => undefined)) as { data?: Array<{ id?: unknown }> } | undefined
        const models = (body?.data ?? []).map((m) => String(m.id))
        if (models.length) {
          const missing = wanted.filter((m) => !models.includes(m))
          if (missing.length) {
            throw new SimError(
              'LLM_MODEL_NOT_FOUND',
              `${url} does not serve model${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (it serves: ${models.slice(0, 20).join(', ')}${models.length > 20 ? ', …' : ''})`,
            )
          }
          return { url, via: 'models', models, ms: performance.now() - t0 }
        }
      } else {
        await res.arrayBuffer().catch(() => undefined)
        if (res.status >= 500) throw new SimError('LLM_UNAVAILABLE', `${url} answered GET /models with HTTP ${res.status}; the server is not ready`)
      }
      // No usable models list: send each model a tiny request.
      for (const model of wanted) {
        const m = openAiChatModel(url, model, { temperature: 0, timeoutMs, fetch: fetchImpl })
        try {
          await m.invoke([{ role: 'user', content: 'Reply with OK.' }] as never, { signal: AbortSignal.timeout(timeoutMs) } as never)
        } catch (err) {
          const f = classify(err, { endpoint: url, model })
          if (f.kind === 'fatal') throw f.error
          if (f.kind === 'retry' && f.reason === 'network') throw reachError(url, err)
          if (f.kind !== 'retry' || f.reason !== 'rate-limit') {
            throw new SimError('LLM_UNAVAILABLE', `${url} failed a tiny test call to "${model}": ${'message' in f ? f.message : ''}`)
          }
        }
      }
      return { url, via: 'call', models: wanted, ms: performance.now() - t0 }
    }),
  )
}
