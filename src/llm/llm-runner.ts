import { z } from 'zod'
import {
  combineSeed,
  mix32,
  rngFor,
  SimError,
  type ChatMessage,
  type RecordingTaskRunner,
  type TaskCallMeta,
  type TaskCallRecord,
  type TaskDef,
} from '../core/index.ts'
import type { ChatOpenAICompletions } from '@langchain/openai'
import { cacheKey, sqliteResponseCache, type ResponseCache } from './response-cache-repo.ts'
import { EndpointPool } from './endpoints.ts'
import { keepAliveFetch } from './keep-alive-fetch.ts'
import { AdaptiveLimit } from './adaptive-limit.ts'
import { Hedger } from './hedging.ts'
import { LoopLag } from './loop-lag.ts'
import { inProcessLimiter, type EndpointLimit, type LlmLimiter, type LlmPermit } from './limits.ts'
import { invokeCustom, invokeOpenAi, langSmithTracing, openAiChatModel, type ChatModelLike, type ModelAnswer } from './model-client.ts'
import { AttemptTimeout, backoffMs, classify, sleep, type Failure } from './retry.ts'
import { deterministic, logPromptRate, type OpenAiSettings } from './settings.ts'
import { checkAnswer, outputSpec, repairMessage, withSchemaInstruction, type Checked, type OutputMode, type OutputSpec } from './structured.ts'
import { estimateTokens, tokenCounter } from './tokens.ts'

/** What a runner needs besides its settings. */
export interface LlmRunnerDeps {
  /** Chat-model factories by task name (a scenario's `models`); each process builds its own. */
  models?: Record<string, () => unknown>
  /** Shared limits (e.g. Redis-backed across workers); default: an in-process limiter. */
  limiter?: LlmLimiter
  /** Response cache; default: the run's SQLite file (settings.cacheFile) when reachable. */
  cache?: ResponseCache
}

/** Concurrency of a scenario-supplied model (it has no endpoint list of its own). */
const CUSTOM_CONCURRENCY = 32

interface Target {
  model: string
  /** Set for a scenario-supplied LangChain model. */
  custom?: ChatModelLike
}

interface Completion {
  answer: ModelAnswer
  endpoint: string
  attempts: number
}

/** Hedges one call may have in flight beside its attempt (a hedge that failed may be replaced, within settings.attempts). */
const MAX_HEDGES = 2
/** How soon an overdue call looks again for hedge budget. */
const BUDGET_RECHECK_MS = 250

/** One HTTP attempt of a call. */
interface Flight {
  ac: AbortController
  mode: OutputMode
  /** When it got its slot and went out (undefined while it waits for one). */
  sentAt?: number
  /** Resolves when it goes out. */
  sent: Promise<void>
  settled: Promise<Settled>
}

type Settled =
  | { flight: Flight; kind: 'answer'; answer: ModelAnswer; endpoint: string }
  | { flight: Flight; kind: 'failure'; failure: Failure; endpoint: string }
  | { flight: Flight; kind: 'cancelled' }

export type LlmRunner = RecordingTaskRunner & {
  close(): Promise<void>
  /** Endpoints currently out of rotation (for progress and reports). */
  outOfRotation(): string[]
  /** Each endpoint's adaptive limit now, scaled to the whole run when this process has a share of it. */
  limits(): Map<string, number>
  /** Hedged attempts sent so far. */
  hedgesSent(): number
}

/**
 * One adaptive limit per endpoint (none when the limits are fixed). With a limiter that
 * shares limits across workers (Redis), a new worker starts from the limit the others
 * found, and each publishes what it finds.
 */
function adaptiveLimits(settings: OpenAiSettings, limiter: LlmLimiter, changed: (endpoint: string) => void, lag: LoopLag): Map<string, AdaptiveLimit> {
  const out = new Map<string, AdaptiveLimit>()
  if (!settings.adaptive.enabled) return out
  lag.start()
  for (const e of settings.endpoints) {
    const c = new AdaptiveLimit(
      e.concurrency,
      settings.adaptive,
      (l) => {
        changed(e.url)
        limiter.shareLimit?.(e.url, l)
      },
      lag.reader(),
    )
    out.set(e.url, c)
    limiter
      .sharedLimit?.(e.url)
      .then((l) => {
        if (l === undefined || !c.probing) return
        c.adopt(l)
        changed(e.url)
      })
      .catch(() => {})
  }
  return out
}

/**
 * Runs tasks on OpenAI-compatible servers (through @langchain/openai's chat-completions
 * model) or on chat models a scenario supplies. Per call: validate the input → build
 * the prompt → ask for structured output → validate with the task's zod schema → on
 * failure send the error back (up to `repairs` times) → then the task's surrogate,
 * marked `fallback`.
 * Transport failures are retried with backoff outside the concurrency limit; a bad key
 * or an unknown model throws LLM_AUTH / LLM_MODEL_NOT_FOUND, which stops the run.
 *
 * @example
 * const runner = createLlmRunner(openAiSettingsSchema.parse({
 *   backend: 'openai', model: 'qwen2.5-7b', endpoints: [{ url: 'http://127.0.0.1:8000/v1', concurrency: 64 }],
 * }))
 * const out = await runner.run(evaluateSlate, input, { runSeed: 1, agent: 0, round: 0, call: 0 })
 */
export function createLlmRunner(settings: OpenAiSettings, deps: LlmRunnerDeps = {}): LlmRunner {
  const limiter = deps.limiter ?? inProcessLimiter({ rpm: settings.rpm, tpm: settings.tpm })
  const lag = new LoopLag()
  const controllers = adaptiveLimits(settings, limiter, (id) => pool.limitChanged(id), lag)
  const pool = new EndpointPool(settings.endpoints, settings.breaker, (id) => controllers.get(id)?.limit)
  const hedger = new Hedger(settings.hedge)
  const cache = settings.cache && deterministic(settings) ? (deps.cache ?? sqliteResponseCache(settings.cacheFile)) : undefined
  const fetchImpl = keepAliveFetch()
  const clients = new Map<string, ChatOpenAICompletions>()
  const viaInvoke = langSmithTracing()
  const customs = new Map<string, ChatModelLike>()
  const modes = new Map<string, OutputMode>()
  const logRate = logPromptRate(settings.logPrompts)

  // Tasks that want token log-probabilities get a client that asks for them.
  const client = (url: string, model: string, logprobs: boolean) => {
    const k = `${url}\n${model}\n${logprobs}`
    let c = clients.get(k)
    if (!c) clients.set(k, (c = openAiChatModel(url, model, { temperature: settings.temperature, timeoutMs: settings.timeoutMs, fetch: fetchImpl, logprobs })))
    return c
  }

  const target = (task: string): Target => {
    const factory = deps.models?.[task]
    if (factory) {
      let m = customs.get(task)
      if (!m) {
        const built = factory() as ChatModelLike
        if (!built || typeof built.invoke !== 'function') {
          throw new SimError('SCENARIO_INVALID', `the scenario's models["${task}"] factory did not return a LangChain chat model (no invoke method)`)
        }
        customs.set(task, (m = built))
      }
      return { model: `langchain:${task}`, custom: m }
    }
    return { model: settings.taskModels[task] ?? settings.model }
  }

  const modeOf = (model: string): OutputMode => modes.get(model) ?? (settings.structured === 'jsonMode' ? 'jsonMode' : 'jsonSchema')

  /** A slot on a healthy endpoint (or the scenario's model) for one HTTP attempt. */
  const acquire = async (t: Target, est: number, signal: AbortSignal) => {
    for (;;) {
      let endpoints: EndpointLimit[]
      if (t.custom) endpoints = [{ id: t.model, concurrency: CUSTOM_CONCURRENCY }]
      else {
        endpoints = pool.available()
        if (!endpoints.length) {
          await sleep(pool.nextProbeIn() + 1)
          signal.throwIfAborted()
          continue
        }
      }
      const permit = await limiter.acquire({ endpoints, tokens: est, signal })
      // Taken out of rotation while this call waited: give the slot back and route again.
      if (t.custom || !pool.isOut(permit.endpoint)) return permit
      limiter.release(permit, 0)
    }
  }

  /** Requests the endpoints take at once now (their adaptive or fixed limits). */
  const capacity = () => settings.endpoints.reduce((n, e) => n + (controllers.get(e.url)?.limit ?? e.concurrency), 0)

  /** The least loaded healthy endpoint, without a slot from the limiter (for hedges). */
  const bypassPermit = (est: number): LlmPermit | undefined => {
    let best: EndpointLimit | undefined
    let load = Infinity
    for (const e of pool.available()) {
      const l = limiter.inFlight(e.id) / e.concurrency
      if (l < load) (best = e), (load = l)
    }
    return best && { endpoint: best.id, tokens: est }
  }

  /**
   * One HTTP attempt in flight. `settled` never rejects: it resolves with the answer, the
   * classified failure, or `cancelled` when the call no longer needs it (another attempt
   * won, or the call gave up) — a cancelled attempt says nothing about the endpoint.
   */
  const launch = (
    t: Target,
    task: TaskDef<never, never>,
    conversation: ChatMessage[],
    spec: OutputSpec,
    seed: number | undefined,
    est: number,
    tally: { attempts: number },
    hedge = false,
  ): Flight => {
    const ac = new AbortController()
    const mode = modeOf(t.model)
    let markSent!: () => void
    const flight: Flight = { ac, mode, settled: undefined as unknown as Promise<Settled>, sent: new Promise<void>((r) => (markSent = r)) }
    flight.settled = (async (): Promise<Settled> => {
      // A hedge stands in for an attempt that still holds its slot (stuck, most likely):
      // it goes out beside the concurrency limit, or it could wait behind the very requests
      // that hold the slots. The hedge budget bounds the excess. Request and token rates,
      // when set, are contracts with the server: then a hedge waits like any attempt.
      let permit: LlmPermit | undefined = hedge && !settings.rpm && !settings.tpm && !t.custom ? bypassPermit(est) : undefined
      const viaLimiter = !permit
      try {
        permit ??= await acquire(t, est, ac.signal)
      } catch (err) {
        if (ac.signal.aborted) return { flight, kind: 'cancelled' }
        throw err
      }
      const sent = performance.now()
      flight.sentAt = sent
      markSent()
      tally.attempts++
      const inFlight = permit.inFlight ?? limiter.inFlight(permit.endpoint)
      // The openai client enforces the timeout (settings.timeoutMs); a scenario's own model
      // gets an abort from our timer instead.
      let timedOut = false
      let timer: NodeJS.Timeout | undefined
      let used = est
      try {
        let answer: ModelAnswer
        if (t.custom) {
          timer = setTimeout(() => {
            timedOut = true
            ac.abort(new AttemptTimeout(settings.timeoutMs))
          }, settings.timeoutMs)
          answer = await invokeCustom(t.custom, conversation, spec, task.name, ac.signal)
        } else {
          answer = await invokeOpenAi(
            client(permit.endpoint, t.model, task.logprobs === true || settings.logprobs),
            mode === 'jsonMode' ? withSchemaInstruction(conversation, spec) : conversation,
            spec,
            mode,
            task.name,
            seed,
            viaInvoke,
            ac.signal,
          )
        }
        if (answer.promptTokens !== undefined) used = answer.promptTokens + (answer.completionTokens ?? 0)
        const ms = performance.now() - sent
        pool.success(permit.endpoint)
        hedger.observe(t.model, ms)
        controllers.get(permit.endpoint)?.observe({ kind: 'ok', ms, inFlight })
        return { flight, kind: 'answer', answer, endpoint: permit.endpoint }
      } catch (err) {
        if (ac.signal.aborted && !timedOut) return { flight, kind: 'cancelled' }
        const failure: Failure = timedOut ? { kind: 'retry', reason: 'timeout', message: `no answer within ${settings.timeoutMs} ms` } : classify(err, { endpoint: permit.endpoint, model: t.model })
        if (failure.kind === 'retry' && failure.reason !== 'rate-limit') pool.failure(permit.endpoint)
        controllers.get(permit.endpoint)?.observe(failure.kind === 'retry' && failure.overload ? { kind: 'overload', inFlight } : { kind: 'other' })
        return { flight, kind: 'failure', failure, endpoint: permit.endpoint }
      } finally {
        if (timer) clearTimeout(timer)
        if (viaLimiter) limiter.release(permit, used)
      }
    })()
    return flight
  }

  /**
   * One answer from the model: HTTP attempts with retries, routed over healthy endpoints,
   * and hedged (see hedging.ts) when an attempt takes far longer than answers usually do.
   */
  const complete = async (
    t: Target,
    task: TaskDef<never, never>,
    conversation: ChatMessage[],
    spec: OutputSpec,
    seed: number | undefined,
    tally: { attempts: number },
  ): Promise<Completion> => {
    let last: Failure | undefined
    let formatSwitches = 0
    const est = estimateTokens(conversation) + settings.maxCompletionTokens
    const flights = new Set<Flight>()
    let started = 0
    const cancelAll = () => {
      for (const f of flights) f.ac.abort()
      flights.clear()
    }
    try {
      for (;;) {
        if (!flights.size) {
          if (started >= settings.attempts) break
          if (last?.kind === 'retry') await sleep(backoffMs(started, last.retryAfterMs))
          flights.add(launch(t, task, conversation, spec, seed, est, tally))
          started++
        }
        const hedging = settings.hedge.enabled && flights.size <= MAX_HEDGES && started < settings.attempts
        const due = hedging ? hedgeDue(flights, t.model) : undefined
        let wait = due
        if (due !== undefined && due <= 0) {
          // Every attempt is overdue: send one more if the budget allows, else look again shortly.
          if (hedger.take(capacity())) {
            const h = launch(t, task, conversation, spec, seed, est, tally, true)
            void h.settled.then(
              () => hedger.done(),
              () => hedger.done(),
            )
            flights.add(h)
            started++
            continue
          }
          wait = BUDGET_RECHECK_MS
        }
        let timer: NodeJS.Timeout | undefined
        const waits: Array<Promise<Settled | undefined>> = [...flights].map((f) => f.settled)
        if (hedging) {
          // Look again when the newest attempt is due, when a waiting one goes out, or
          // (too few answers yet to know the latency) in a second.
          waits.push(new Promise((r) => (timer = setTimeout(() => r(undefined), wait ?? 1000))))
          for (const f of flights) if (f.sentAt === undefined) waits.push(f.sent.then(() => undefined))
        }
        const next = await Promise.race(waits)
        if (timer) clearTimeout(timer)
        if (!next) continue
        flights.delete(next.flight)
        if (next.kind === 'cancelled') continue
        if (next.kind === 'answer') return { answer: next.answer, endpoint: next.endpoint, attempts: tally.attempts }
        last = next.failure
        if (last.kind === 'retry') continue // the others in flight may still answer; else retry after a backoff
        if (last.kind === 'invalid-json') {
          pool.success(next.endpoint)
          return { answer: { content: undefined, invalidJson: last.message }, endpoint: next.endpoint, attempts: tally.attempts }
        }
        if (last.kind === 'fatal') throw last.error
        if (last.kind === 'call') break
        // 'format': the server refused the structured-output request.
        if (settings.structured !== 'auto' || next.flight.mode === 'jsonMode' || formatSwitches++ > 0) {
          last = { kind: 'call', message: `the server refused the structured-output request: ${last.message}` }
          break
        }
        modes.set(t.model, 'jsonMode')
        cancelAll()
        started--
        last = undefined
      }
    } finally {
      cancelAll()
    }
    const why = last ? ('message' in last ? last.message : last.error.message) : 'unknown error'
    throw new SimError('LLM_UNAVAILABLE', `task ${task.name}: no usable answer from ${t.model} after ${settings.attempts} attempt(s): ${why}`)
  }

  /** ms until the newest attempt in flight is overdue for a hedge; undefined while one still waits for a slot or the latency is not known yet. */
  const hedgeDue = (flights: ReadonlySet<Flight>, model: string): number | undefined => {
    const delay = hedger.delay(model)
    if (delay === undefined) return undefined
    let newest = 0
    for (const f of flights) {
      if (f.sentAt === undefined) return undefined
      newest = Math.max(newest, f.sentAt)
    }
    return Math.max(0, newest + delay - performance.now())
  }

  const keepPrompt = (meta: TaskCallMeta, task: string) =>
    logRate >= 1 || (logRate > 0 && mix32(combineSeed(meta.runSeed, meta.agent, meta.round, task, meta.call, 'log')) / 4294967296 < logRate)

  /** One task call; its record goes to `records` (the runner's, or a fork's). */
  async function run<I, O>(records: TaskCallRecord[], task: TaskDef<I, O>, input: I, meta: TaskCallMeta): Promise<O> {
    const started = performance.now()
    const rec: TaskCallRecord = { task: task.name, agent: meta.agent, round: meta.round, call: meta.call, outcome: 'error' }
    const keep = keepPrompt(meta, task.name) || task.record === true
    if (keep) rec.input = input
    records.push(rec)
    const parsedIn = task.input.safeParse(input)
    if (!parsedIn.success) {
      rec.error = `input invalid: ${z.prettifyError(parsedIn.error)}`
      throw new SimError('TASK_INPUT_INVALID', `task ${task.name} (agent ${meta.agent}, round ${meta.round}): ${rec.error}`)
    }
    const t = target(task.name)
    rec.model = t.model
    const anyTask = task as unknown as TaskDef<never, never>
    const spec = outputSpec(anyTask)
    const messages = task.prompt(input)
    const seed = !t.custom && settings.seed !== undefined ? combineSeed(settings.seed, meta.runSeed, meta.agent, meta.round, task.name, meta.call) : undefined
    const mode = t.custom ? 'custom' : modeOf(t.model)
    const cacheable = settings.cache && deterministic(settings)
    const key = cacheable
      ? cacheKey({ task: task.name, version: task.version, model: t.model, messages, schema: spec.text, temperature: settings.temperature, seed, mode })
      : undefined

    if (key && cache) {
      const hit = cache.get(key)
      if (hit !== undefined) {
        const checked = checkAnswer(task as TaskDef<unknown, O>, JSON.parse(hit) as unknown)
        if (checked.ok) {
          rec.outcome = 'cached'
          rec.latencyMs = performance.now() - started
          rec.attempts = 0
          if (keep) {
            rec.prompt = messages
            rec.output = checked.value
          }
          return checked.value
        }
      }
    }

    let conversation = messages
    let repairs = 0
    const tally = { attempts: 0 }
    let promptTokens = 0
    let completionTokens = 0
    let cachedTokens: number | undefined
    let counted = true
    try {
      for (;;) {
        const done = await complete(t, anyTask, conversation, spec, seed, tally)
        rec.endpoint = done.endpoint
        const ctl = controllers.get(done.endpoint)
        if (ctl) rec.concurrencyLimit = ctl.limit * settings.limitShares
        const a = done.answer
        if (a.promptTokens === undefined) counted = false
        if (a.cachedTokens !== undefined) cachedTokens = (cachedTokens ?? 0) + a.cachedTokens
        promptTokens += a.promptTokens ?? 0
        completionTokens += a.completionTokens ?? 0
        const checked: Checked<O> = a.invalidJson
          ? { ok: false, error: `The answer is not valid JSON (${a.invalidJson}).` }
          : checkAnswer(task as TaskDef<unknown, O>, a.content)
        if (checked.ok) {
          rec.outcome = repairs ? 'repaired' : 'ok'
          if (key) rec.cache = { key, model: t.model, output: checked.value }
          if (keep) rec.output = checked.value
          if (a.logprobs) rec.logprobs = a.logprobs
          return checked.value
        }
        if (repairs >= settings.repairs) {
          const out = task.surrogate(input, rngFor(meta.runSeed, meta.agent, meta.round, task.name, meta.call))
          rec.outcome = 'fallback'
          rec.error = `invalid after ${repairs} repair(s): ${checked.error}`
          if (keep) rec.output = out
          return out
        }
        repairs++
        // The bad answer goes back with the error, unless the client dropped its text.
        const bad: ChatMessage[] = a.invalidJson ? [] : [{ role: 'assistant', content: typeof a.content === 'string' ? a.content : JSON.stringify(a.content) }]
        conversation = [...conversation, ...bad, repairMessage(checked.error, modeOf(t.model))]
      }
    } catch (err) {
      rec.outcome = 'error'
      rec.error = (err as Error).message
      throw err
    } finally {
      rec.latencyMs = performance.now() - started
      rec.attempts = tally.attempts
      rec.repairs = repairs
      if (keep) rec.prompt = conversation
      if (cachedTokens !== undefined) rec.cachedTokens = cachedTokens
      if (counted || tally.attempts === 0) {
        rec.promptTokens = promptTokens
        rec.completionTokens = completionTokens
      } else {
        // The server gave no usage: count the conversation and answer ourselves.
        const counter = await tokenCounter()
        rec.promptTokens = counter.messages(conversation)
        rec.completionTokens = rec.output === undefined ? undefined : counter.text(JSON.stringify(rec.output))
      }
    }
  }

  // A view with its own records on this runner's limiter, endpoints, clients and cache.
  const view = (records: TaskCallRecord[], close: () => Promise<void>): LlmRunner => ({
    run: (task, input, meta) => run(records, task, input, meta),
    drain: () => records.splice(0),
    outOfRotation: () => pool.outOfRotation(),
    limits: () => new Map([...controllers].map(([id, c]) => [id, c.limit * settings.limitShares])),
    hedgesSent: () => hedger.sent,
    fork: () => view([], async () => {}),
    close,
  })
  return view([], async () => {
    lag.stop()
    cache?.close()
  })
}
