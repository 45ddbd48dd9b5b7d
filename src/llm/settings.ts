import { z } from 'zod'
import { withoutCredentials } from './url-credentials.ts'

/**
 * Which calls keep their prompt and output in `llm_calls`: all, none, or a seeded
 * sample (`sample:0.01` keeps about 1 %; the same calls for the same run seed).
 */
export const logPromptsSchema = z.union([
  z.literal('all'),
  z.literal('none'),
  z.string().regex(/^sample:(0(\.\d+)?|1(\.0+)?)$/, 'expected all, none or sample:RATE with RATE in [0, 1]'),
])
export type LogPrompts = z.infer<typeof logPromptsSchema>

/** The fraction of calls whose prompts are kept. */
export function logPromptRate(p: LogPrompts): number {
  return p === 'all' ? 1 : p === 'none' ? 0 : Number(p.slice('sample:'.length))
}

export const endpointSchema = z.object({
  /** OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 */
  url: z
    .string()
    .url('expected a URL such as http://127.0.0.1:8000/v1')
    // Stored with the run and shown in reports: credentials never stay in it (the key goes in OPENAI_API_KEY).
    .transform(withoutCredentials),
  /** Most requests in flight to this endpoint: the ceiling of its adaptive limit, or the limit itself when limits are fixed. */
  concurrency: z.number().int().positive(),
})
export type EndpointSettings = z.infer<typeof endpointSchema>

/**
 * Settings of the `openai` backend: plain data stored with the run and shipped to
 * threads and workers. The API key is never part of it: each process reads
 * OPENAI_API_KEY itself.
 */
export const openAiSettingsSchema = z.object({
  backend: z.literal('openai'),
  /** Model for every task without an override. */
  model: z.string().min(1, 'a model name is required (--model)'),
  endpoints: z.array(endpointSchema).min(1, 'at least one endpoint (--base-url) is required'),
  /** task name → model name (a bigger teacher for one task, a small model for users). */
  taskModels: z.record(z.string(), z.string().min(1)).default({}),
  temperature: z.number().min(0).max(2).default(0),
  /** Base sampling seed; each call sends a seed derived from (seed, agent, round, task, call). */
  seed: z.number().int().nonnegative().optional(),
  /** Per HTTP attempt. */
  timeoutMs: z.number().int().positive().default(60_000),
  /** HTTP attempts per model answer (the first try plus retries on 429, 5xx, network errors, timeouts). */
  attempts: z.number().int().min(1).max(20).default(6),
  /** Times an invalid answer is sent back with its validation error before the surrogate is used. */
  repairs: z.number().int().min(0).max(5).default(2),
  /** 'jsonSchema' sends the task's schema as response_format; 'jsonMode' sends json_object and puts the schema in the prompt; 'auto' starts with jsonSchema and switches to jsonMode if a server rejects it. */
  structured: z.enum(['auto', 'jsonSchema', 'jsonMode']).default('auto'),
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  /** Completion tokens the rate budget assumes before a call's usage is known. */
  maxCompletionTokens: z.number().int().positive().default(300),
  cache: z.boolean().default(true),
  /** Ask the server for the answers' token log-probabilities and keep them with the dataset traces (trajectory exports). */
  logprobs: z.boolean().default(false),
  /** The run's SQLite file: the response cache is read from it (writes go with the shard commit). */
  cacheFile: z.string().optional(),
  logPrompts: logPromptsSchema.default('all'),
  /** Failures in a row that take an endpoint out of rotation, and the first wait before it is probed. */
  breaker: z.object({ failures: z.number().int().positive(), probeAfterMs: z.number().int().positive() }).default({ failures: 5, probeAfterMs: 2000 }),
  /** Each endpoint's limit found from latency and 429/503 answers, under its concurrency (adaptive-limit.ts). */
  adaptive: z
    .object({
      enabled: z.boolean().default(true),
      /** Limit per endpoint before anything is known. */
      initial: z.number().int().positive().default(16),
      /** Latency over the floor that still counts as no queue (1.2 = 20 %). */
      tolerance: z.number().min(1).max(3).default(1.2),
    })
    .prefault({}),
  /** A second request for a call whose answer is overdue (hedging.ts). */
  hedge: z
    .object({
      enabled: z.boolean().default(true),
      /** Overdue after factor × this quantile of recent answer latencies ... */
      quantile: z.number().min(0.5).max(1).default(0.95),
      factor: z.number().min(1).default(2),
      /** ... and at least this long (a loaded client's own event-loop delays must not look like stuck requests). */
      minMs: z.number().int().nonnegative().default(1000),
      /** Share of the endpoints' limits that may be hedges at once (at least 8 hedges). */
      budget: z.number().min(0).max(1).default(0.1),
    })
    .prefault({}),
  /** How many processes share these limits (set by limitsShare; the limits above are this process's share). */
  limitShares: z.number().int().positive().default(1),
  /**
   * A mixed-model population: each agent's calls go to one of these models, by share,
   * stratified by persona cluster (agent-models.ts). `assignment` (a model index per
   * agent) is drawn once where the run starts and stored with it.
   */
  agentModels: z
    .object({
      models: z.array(z.object({ model: z.string().min(1), share: z.number().positive() })).min(1, 'at least one model=share'),
      assignment: z.array(z.number().int().nonnegative()).optional(),
    })
    .optional(),
  /** model → its own endpoints (and their limits); a model not listed uses `endpoints`. */
  modelEndpoints: z.record(z.string(), z.array(endpointSchema).min(1)).default({}),
  /** A surrogate profile refitted during a hybrid run (src/distill), for the executors started with it; checked where it is used. */
  hybridProfile: z.unknown().optional(),
})
export type OpenAiSettings = z.infer<typeof openAiSettingsSchema>
export type OpenAiSettingsInput = z.input<typeof openAiSettingsSchema>

export const surrogateSettingsSchema = z.object({ backend: z.literal('surrogate') })

/**
 * How a run's tasks execute. `surrogate` (the default) needs nothing; `openai` sends
 * them to OpenAI-compatible servers. Plain data: it travels to threads and workers, and
 * never holds an API key.
 */
export const llmSettingsSchema = z.discriminatedUnion('backend', [surrogateSettingsSchema, openAiSettingsSchema])
export type LlmSettings = z.infer<typeof llmSettingsSchema>

export const SURROGATE: LlmSettings = { backend: 'surrogate' }

/**
 * Default ceiling of the in-flight requests per endpoint. The limit itself adapts below
 * it (settings.adaptive); 1,024 is also the connection pool's size per origin.
 */
export const DEFAULT_ENDPOINT_CONCURRENCY = 1024

/**
 * The most threads the limits can be shared across: each needs at least one slot on
 * some endpoint and one request a minute.
 */
export function maxLimitShares(s: Pick<OpenAiSettings, 'endpoints' | 'rpm' | 'tpm'> & { modelEndpoints?: OpenAiSettings['modelEndpoints'] }): number {
  // Every endpoint list (the shared one and each model's own) needs a slot in every thread.
  const lists = [s.endpoints, ...Object.values(s.modelEndpoints ?? {})]
  const slots = Math.min(...lists.map((l) => l.reduce((n, e) => n + e.concurrency, 0)))
  return Math.max(1, Math.min(slots, s.rpm ?? Infinity, s.tpm ?? Infinity))
}

/**
 * Thread `index`'s share of the limits when `parts` threads each build their own
 * in-process limiter: the shares add up exactly to the limits. Remainders are dealt
 * round-robin over the threads (continuing from one endpoint to the next), so shares
 * differ by at most one slot; an endpoint whose share is 0 is left out of this
 * thread's list. `parts` must not exceed `maxLimitShares`.
 */
export function limitsShare(s: OpenAiSettings, parts: number, index: number): OpenAiSettings {
  if (parts <= 1) return s
  if (parts > maxLimitShares(s)) throw new RangeError(`LLM limits cannot be shared over ${parts} threads (at most ${maxLimitShares(s)})`)
  let dealt = 0
  const share = (n: number) => {
    const extra = (((index - dealt) % parts) + parts) % parts < n % parts ? 1 : 0
    dealt += n % parts
    return Math.floor(n / parts) + extra
  }
  const shareList = (list: EndpointSettings[]) => {
    dealt = 0
    return list.map((e) => ({ ...e, concurrency: share(e.concurrency) })).filter((e) => e.concurrency > 0)
  }
  const endpoints = shareList(s.endpoints)
  const modelEndpoints = Object.fromEntries(Object.entries(s.modelEndpoints).map(([m, l]) => [m, shareList(l)]))
  dealt = 0
  const rpm = s.rpm === undefined ? undefined : share(s.rpm)
  dealt = 0
  const tpm = s.tpm === undefined ? undefined : share(s.tpm)
  const adaptive = { ...s.adaptive, initial: Math.max(1, Math.ceil(s.adaptive.initial / parts)) }
  return { ...s, endpoints, modelEndpoints, rpm, tpm, adaptive, limitShares: s.limitShares * parts }
}

/** Is an answer deterministic, so that it may be cached: temperature 0 or a fixed seed. */
export function deterministic(s: Pick<OpenAiSettings, 'temperature' | 'seed'>): boolean {
  return s.temperature === 0 || s.seed !== undefined
}

/**
 * The settings one model of a mixed population runs on: that model for every task without
 * an override, on its own endpoints when it has them.
 */
export function modelSettings(s: OpenAiSettings, model: string): OpenAiSettings {
  return { ...s, model, endpoints: s.modelEndpoints[model] ?? s.endpoints, agentModels: undefined, modelEndpoints: {} }
}
