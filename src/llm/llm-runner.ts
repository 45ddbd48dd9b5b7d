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
import { inProcessLimiter, type EndpointLimit, type LlmLimiter } from './limits.ts'
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

export type LlmRunner = RecordingTaskRunner & {
  close(): Promise<void>
  /** Endpoints currently out of rotation (for progress and reports). */
  outOfRotation(): string[]
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
  const pool = new EndpointPool(settings.endpoints, settings.breaker)
  const cache = settings.cache && deterministic(settings) ? (deps.cache ?? sqliteResponseCache(settings.cacheFile)) : undefined
  const fetchImpl = keepAliveFetch()
  const clients = new Map<string, ChatOpenAICompletions>()
  const viaInvoke = langSmithTracing()
  const customs = new Map<string, ChatModelLike>()
  const modes = new Map<string, OutputMode>()
  const logRate = logPromptRate(settings.logPrompts)

  const client = (url: string, model: string) => {
    const k = `${url}\n${model}`
    let c = clients.get(k)
    if (!c) clients.set(k, (c = openAiChatModel(url, model, { temperature: settings.temperature, timeoutMs: settings.timeoutMs, fetch: fetchImpl, logprobs: settings.logprobs })))
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

  /** One answer from the model: HTTP attempts with retries, routed over healthy endpoints. */
  const acquire = async (t: Target, est: number) => {
    for (;;) {
      let endpoints: EndpointLimit[]
      if (t.custom) endpoints = [{ id: t.model, concurrency: CUSTOM_CONCURRENCY }]
      else {
        endpoints = pool.available()
        if (!endpoints.length) {
          await sleep(pool.nextProbeIn() + 1)
          continue
        }
      }
      const permit = await limiter.acquire({ endpoints, tokens: est })
      // Taken out of rotation while this call waited: give the slot back and route again.
      if (t.custom || !pool.isOut(permit.endpoint)) return permit
      limiter.release(permit, 0)
    }
  }

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
    for (let attempt = 1; attempt <= settings.attempts; attempt++) {
      const permit = await acquire(t, est)
      tally.attempts++
      const mode = modeOf(t.model)
      // The openai client enforces the timeout (settings.timeoutMs); a scenario's own model
      // gets an abort signal from our timer instead.
      let timedOut = false
      let timer: NodeJS.Timeout | undefined
      let used = est
      try {
        let answer: ModelAnswer
        if (t.custom) {
          const ac = new AbortController()
          timer = setTimeout(() => {
            timedOut = true
            ac.abort(new AttemptTimeout(settings.timeoutMs))
          }, settings.timeoutMs)
          answer = await invokeCustom(t.custom, conversation, spec, task.name, ac.signal)
        } else {
          answer = await invokeOpenAi(
            client(permit.endpoint, t.model),
            mode === 'jsonMode' ? withSchemaInstruction(conversation, spec) : conversation,
            spec,
            mode,
            task.name,
            seed,
            viaInvoke,
          )
        }
        if (answer.promptTokens !== undefined) used = answer.promptTokens + (answer.completionTokens ?? 0)
        pool.success(permit.endpoint)
        return { answer, endpoint: permit.endpoint, attempts: attempt }
      } catch (err) {
        last = timedOut ? { kind: 'retry', reason: 'timeout', message: `no answer within ${settings.timeoutMs} ms` } : classify(err, { endpoint: permit.endpoint, model: t.model })
        if (last.kind === 'retry' && last.reason !== 'rate-limit') pool.failure(permit.endpoint)
      } finally {
        if (timer) clearTimeout(timer)
        limiter.release(permit, used)
      }
      if (last.kind === 'invalid-json') {
        pool.success(permit.endpoint)
        return { answer: { content: undefined, invalidJson: last.message }, endpoint: permit.endpoint, attempts: attempt }
      }
      if (last.kind === 'fatal') throw last.error
      if (last.kind === 'call') break
      if (last.kind === 'format') {
        if (settings.structured !== 'auto' || mode === 'jsonMode' || formatSwitches++ > 0) {
          last = { kind: 'call', message: `the server refused the structured-output request: ${last.message}` }
          break
        }
        modes.set(t.model, 'jsonMode')
        attempt--
        continue
      }
      if (attempt < settings.attempts) await sleep(backoffMs(attempt, last.retryAfterMs))
    }
    const why = last ? ('message' in last ? last.message : last.error.message) : 'unknown error'
    throw new SimError('LLM_UNAVAILABLE', `task ${task.name}: no usable answer from ${t.model} after ${settings.attempts} attempt(s): ${why}`)
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
    let counted = true
    try {
      for (;;) {
        const done = await complete(t, anyTask, conversation, spec, seed, tally)
        rec.endpoint = done.endpoint
        const a = done.answer
        if (a.promptTokens === undefined) counted = false
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
    fork: () => view([], async () => {}),
    close,
  })
  return view([], async () => {
    cache?.close()
  })
}
