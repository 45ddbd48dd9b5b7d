import { ChatOpenAICompletions, wrapOpenAIClientError } from '@langchain/openai'
import type { ChatMessage } from '../core/index.ts'
import type { OutputMode, OutputSpec } from './structured.ts'

/** What one model answer gives the runner. */
export interface ModelAnswer {
  /** Text (JSON expected) or, from a model's structured-output parser, a value. */
  content: unknown
  /** Set when the client already found the answer is not JSON (its text is then not available). */
  invalidJson?: string
  promptTokens?: number
  completionTokens?: number
  /** Token log-probabilities of the answer (when requested and the server returns them). */
  logprobs?: number[]
}

/** The small part of a LangChain chat model the runner uses (any BaseChatModel has it). */
export interface ChatModelLike {
  invoke(messages: ChatMessage[], options?: Record<string, unknown>): Promise<unknown>
  withStructuredOutput?(schema: Record<string, unknown>, config?: Record<string, unknown>): { invoke(messages: ChatMessage[], options?: Record<string, unknown>): Promise<unknown> }
}

interface AiMessageLike {
  content?: unknown
  tool_calls?: Array<{ args?: unknown }>
  usage_metadata?: { input_tokens?: number; output_tokens?: number }
}

interface CompletionLike {
  choices?: Array<{ message?: { content?: string | null }; logprobs?: { content?: Array<{ logprob?: number }> | null } | null }>
  usage?: { prompt_tokens?: number; completion_tokens?: number }
}

function textOf(content: unknown): unknown {
  if (typeof content === 'string' || !Array.isArray(content)) return content
  return content.map((p) => (typeof p === 'string' ? p : ((p as { text?: string }).text ?? ''))).join('')
}

function answerOf(msg: AiMessageLike, parsed?: unknown): ModelAnswer {
  const toolArgs = msg.tool_calls?.[0]?.args
  return {
    content: parsed ?? toolArgs ?? textOf(msg.content),
    promptTokens: msg.usage_metadata?.input_tokens,
    completionTokens: msg.usage_metadata?.output_tokens,
  }
}

/**
 * @langchain/openai's chat-completions model (what ChatOpenAI delegates to for the
 * chat-completions protocol that vLLM, SGLang, Ollama, llama.cpp and LM Studio serve)
 * for one endpoint and model. Retries are ours (maxRetries 0), the client enforces the
 * per-attempt timeout, and the API key comes from this process's environment, never
 * from the run's settings.
 */
export function openAiChatModel(baseURL: string, model: string, o: { temperature: number; timeoutMs: number; fetch?: typeof fetch; logprobs?: boolean }): ChatOpenAICompletions {
  return new ChatOpenAICompletions({
    model,
    ...(o.logprobs ? { logprobs: true } : {}),
    apiKey: process.env.OPENAI_API_KEY || 'no-key',
    temperature: o.temperature,
    maxRetries: 0,
    timeout: o.timeoutMs,
    configuration: { baseURL, ...(o.fetch ? { fetch: o.fetch } : {}) },
  })
}

/** LangSmith tracing is on: calls then go through the full LangChain `invoke` so they are traced. */
export function langSmithTracing(env: Record<string, string | undefined> = process.env): boolean {
  return ['LANGSMITH_TRACING', 'LANGCHAIN_TRACING_V2', 'LANGCHAIN_TRACING'].some((k) => env[k] === 'true')
}

/**
 * One chat-completions request with the task's schema as `response_format`
 * (json_schema, or json_object in JSON mode) and a per-call seed.
 *
 * The model builds the request (`invocationParams`) and owns the configured openai
 * client, and the request on the wire is the one `invoke` sends. By default we hand it
 * to that client ourselves rather than through `invoke`: the callback manager, message
 * conversion and LangChain's retry queue (unused: retries are ours) cost about a third
 * of the client's CPU per call, and at thousands of calls a second on a small machine
 * that CPU, not the model server, sets the pace. With `viaInvoke` (LangSmith tracing on)
 * the call takes the full LangChain path so that it is traced.
 */
export async function invokeOpenAi(
  m: ChatOpenAICompletions,
  messages: ChatMessage[],
  spec: OutputSpec,
  mode: OutputMode,
  name: string,
  seed: number | undefined,
  viaInvoke = false,
): Promise<ModelAnswer> {
  const response_format = mode === 'jsonSchema' ? { type: 'json_schema', json_schema: { name, schema: spec.schema } } : { type: 'json_object' }
  const options: Record<string, unknown> = { response_format }
  if (seed !== undefined) options.seed = seed
  if (viaInvoke) return answerOf((await m.invoke(messages as never, options as never)) as AiMessageLike)
  const params = m.invocationParams(options as never)
  if (!m.client) m._getClientOptions(undefined)
  let data: CompletionLike
  try {
    data = (await m.client.chat.completions.create({ ...params, stream: false, messages } as never)) as unknown as CompletionLike
  } catch (err) {
    // The same errors as through invoke (a timeout becomes a TimeoutError, and so on).
    throw wrapOpenAIClientError(err)
  }
  const choice = data.choices?.[0]
  const lp = choice?.logprobs?.content?.map((t) => t.logprob).filter((x): x is number => typeof x === 'number')
  return { content: choice?.message?.content ?? '', promptTokens: data.usage?.prompt_tokens, completionTokens: data.usage?.completion_tokens, ...(lp?.length ? { logprobs: lp } : {}) }
}

const structuredByModel = new WeakMap<object, Map<string, { invoke(m: ChatMessage[], o?: Record<string, unknown>): Promise<unknown> }>>()

/**
 * One call of a chat model a scenario supplied (ChatOllama, ChatAnthropic, ...), through
 * its own `withStructuredOutput(schema, { method: 'jsonSchema', includeRaw: true })`.
 */
export async function invokeCustom(model: ChatModelLike, messages: ChatMessage[], spec: OutputSpec, name: string, signal: AbortSignal): Promise<ModelAnswer> {
  if (typeof model.withStructuredOutput !== 'function') {
    return answerOf((await model.invoke(messages, { signal })) as AiMessageLike)
  }
  let byTask = structuredByModel.get(model)
  if (!byTask) structuredByModel.set(model, (byTask = new Map()))
  let runnable = byTask.get(name)
  if (!runnable) {
    try {
      runnable = model.withStructuredOutput(spec.schema, { name, method: 'jsonSchema', includeRaw: true })
    } catch {
      runnable = model.withStructuredOutput(spec.schema, { name, includeRaw: true })
    }
    byTask.set(name, runnable)
  }
  const out = (await runnable.invoke(messages, { signal })) as { raw: AiMessageLike; parsed: unknown }
  return answerOf(out.raw, out.parsed ?? undefined)
}
