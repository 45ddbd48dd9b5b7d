import type { z } from 'zod'
import type { Rng } from './rng.ts'
import type { DistillSpec } from './profile/spec.ts'

/** One chat message of a task prompt. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

/**
 * A typed LLM task: every model call in usersim is one. The same task runs on a
 * model (through `prompt`) or on its `surrogate`, a deterministic seeded function of
 * the same input used when no model is configured and for calibrated large runs.
 */
export interface TaskDef<I = unknown, O = unknown> {
  name: string
  /** Part of the cache key: bump it when the prompt or schemas change meaning. */
  version: number
  input: z.ZodType<I>
  output: z.ZodType<O>
  /**
   * Messages for a model, ordered for prefix caching: fixed instructions first, then
   * the persona, then memory, the changing observation last.
   */
  prompt(input: I): ChatMessage[]
  surrogate(input: I, rng: Rng): O
  /**
   * Keep every call's input and output, on the surrogate too (distillation and
   * preference datasets are built from these traces; see src/datasets).
   */
  record?: boolean
  /**
   * Ask the server for the answer's token log-probabilities and keep them with the call
   * (`llm_calls.logprobs`), for trajectory and off-policy data. Servers that do not
   * return them leave them out.
   */
  logprobs?: boolean
  /**
   * The surrogate's parameters as data (src/distill fits them to a model's recorded
   * answers; `--surrogate-profile` runs on them). Tasks without it keep their fixed surrogate.
   */
  distill?: DistillSpec<I, O, any>
}

/**
 * Defines a typed task.
 *
 * @example
 * export const rateItem = defineTask({
 *   name: 'rate-item', version: 1,
 *   input: z.object({ persona: z.string(), title: z.string() }),
 *   output: z.object({ rating: z.number().int().min(1).max(5) }),
 *   prompt: (i) => [{ role: 'system', content: 'Rate 1-5.' }, { role: 'user', content: `${i.persona}: ${i.title}` }],
 *   surrogate: (_i, rng) => ({ rating: 1 + rng.int(5) }),
 * })
 */
export function defineTask<I, O>(def: TaskDef<I, O>): TaskDef<I, O> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(def.name)) {
    throw new TypeError(`task name "${def.name}" must be kebab-case (a-z, 0-9, -)`)
  }
  return def
}

/** Where and for whom a task runs; used for seeding, logs and accounting. */
export interface TaskCallMeta {
  runSeed: number
  agent: number
  round: number
  /** Counts calls of the same task by the same agent in the same round. */
  call: number
}

/**
 * Executes tasks. The surrogate runner computes in place; the LLM runner (src/llm)
 * sends prompts to a model and falls back to the surrogate when it must.
 */
export interface TaskRunner {
  run<I, O>(task: TaskDef<I, O>, input: I, meta: TaskCallMeta): Promise<O>
}

/** The task input/output pair as recorded for distillation data. */
export interface TaskTrace {
  task: string
  agent: number
  round: number
  input: unknown
  output: unknown
}

/** One token of an answer and its log-probability under the model. */
export interface TokenLogprob {
  token: string
  logprob: number
}

/** One task call as recorded for accounting (the LLM layer fills the model fields). */
export interface TaskCallRecord {
  task: string
  agent: number
  round: number
  outcome: 'surrogate' | 'ok' | 'repaired' | 'fallback' | 'error' | 'cached'
  model?: string
  endpoint?: string
  promptTokens?: number
  completionTokens?: number
  /** Prompt tokens the server served from its prefix cache (usage.prompt_tokens_details.cached_tokens), when it says. */
  cachedTokens?: number
  /** The final answer's tokens with their log-probabilities (tasks with `logprobs: true`, when the server returns them). */
  logprobs?: TokenLogprob[]
  latencyMs?: number
  attempts?: number
  /** Prompt messages and output, when prompt logging keeps this call. */
  prompt?: ChatMessage[]
  input?: unknown
  output?: unknown
  error?: string
  /** Which call of this task by this agent in this round (TaskCallMeta.call). */
  call?: number
  /** Invalid answers sent back to the model with their validation error. */
  repairs?: number
  /** The endpoint's adaptive concurrency limit when the answer came (whole run: a thread's share × shares). */
  concurrencyLimit?: number
  /** A deterministic answer to store in the response cache (committed with the shard). */
  cache?: { key: string; model: string; output: unknown }
}

/** A TaskRunner that also hands over its call records (drained once per shard). */
export interface RecordingTaskRunner extends TaskRunner {
  drain(): TaskCallRecord[]
  /** Releases connections (HTTP agents, cache database); called when the executor closes. */
  close?(): Promise<void>
  /**
   * A runner on the same backend (limits, connections, cache) that keeps its own call
   * records, so that two shards can run at once on one backend and each drains only its
   * own calls. Closing the original closes the backend.
   */
  fork?(): RecordingTaskRunner
}
