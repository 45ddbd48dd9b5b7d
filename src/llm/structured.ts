import { z } from 'zod'
import type { ChatMessage, TaskDef } from '../core/index.ts'

/** Precedes the schema in JSON-mode prompts (the test server finds the schema by it). */
export const SCHEMA_MARKER = 'JSON schema of the answer:'

/** How a task's output schema reaches the model. */
export type OutputMode = 'jsonSchema' | 'jsonMode'

/** A task's output schema in the forms a request needs (computed once per task). */
export interface OutputSpec {
  /** JSON Schema of the output (zod's toJSONSchema, without $schema). */
  schema: Record<string, unknown>
  /** The same as compact JSON text (part of the cache key and of the JSON-mode prompt). */
  text: string
}

const specs = new WeakMap<TaskDef<never, never>, OutputSpec>()

export function outputSpec(task: TaskDef<never, never>): OutputSpec {
  let s = specs.get(task)
  if (!s) {
    const { $schema: _ignored, ...schema } = z.toJSONSchema(task.output as z.ZodType, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>
    s = { schema, text: JSON.stringify(schema) }
    specs.set(task, s)
  }
  return s
}

/**
 * JSON mode only promises some JSON object, so the schema goes into the prompt: as a
 * system message right after the task's fixed instructions, where it stays part of
 * the stable prefix that servers cache.
 */
export function withSchemaInstruction(messages: readonly ChatMessage[], spec: OutputSpec): ChatMessage[] {
  const note: ChatMessage = { role: 'system', content: `Answer with one JSON object only. ${SCHEMA_MARKER}\n${spec.text}` }
  const out = [...messages]
  out.splice(out[0]?.role === 'system' ? 1 : 0, 0, note)
  return out
}

export type Checked<O> = { ok: true; value: O } | { ok: false; error: string }

/** Models often wrap JSON in a Markdown fence; accept that, nothing looser. */
function unfence(text: string): string {
  const t = text.trim()
  const m = /^```(?:json)?\s*([\s\S]*?)\s*```$/.exec(t)
  return m ? m[1]! : t
}

/** Parses and validates a model's answer with the task's zod output schema. */
export function checkAnswer<O>(task: TaskDef<unknown, O>, content: unknown): Checked<O> {
  let value: unknown = content
  if (typeof content === 'string') {
    try {
      value = JSON.parse(unfence(content))
    } catch (err) {
      return { ok: false, error: `The answer is not valid JSON (${(err as Error).message}).` }
    }
  }
  const r = task.output.safeParse(value)
  return r.success ? { ok: true, value: r.data } : { ok: false, error: z.prettifyError(r.error) }
}

/** The message that sends a validation error back to the model. */
export function repairMessage(error: string, mode: OutputMode): ChatMessage {
  return {
    role: 'user',
    content:
      `Your answer does not match the required format:\n${error}\n` +
      `Answer again with one corrected JSON object only${mode === 'jsonMode' ? ', following the JSON schema given above' : ''}.`,
  }
}
