import { rngFor, type ChatMessage, type RecordingTaskRunner, type TaskCallMeta, type TaskDef } from '../core/index.ts'
import type { RecoverySettings } from '../config/index.ts'
import type { ShardExtension } from '../runner/shard-extension.ts'
import type { CorrectionRecord } from './correction-record.ts'
import { criticsFor, review, type Critic, type Verdict } from './critic.ts'
import { judgeAction } from './judge.ts'
import './critics/ailo.ts'
import './critics/target-leak.ts'

/**
 * Regenerations use call indexes far above any real one, so a surrogate draws afresh
 * (the same index would repeat the flagged answer) and a model's cache never confuses
 * a reflection with a first answer.
 */
export const REFLECT_CALL_BASE = 1_000_000

export interface CorrectionOptions {
  critics: boolean
  maxReflections: number
  judgeShare: number
}

/** A task runner with critics, and the corrections it made so far. */
export interface CorrectingTaskRunner {
  runner: RecordingTaskRunner
  /** The corrections made since the last call (and forgets them). */
  collect(): { corrections?: CorrectionRecord[] }
}

/**
 * The shard-side extension of error correction: each shard's task runner gets the run's
 * critics (and judge), and the shard's result carries what they flagged.
 */
export const correctionsShardExtension: ShardExtension = {
  name: 'corrections',
  wrap: (runner, { config, llm }) => withCorrections(runner, correctionOptions(config.recovery, llm.backend !== 'surrogate')),
}

/** The correction options for a backend: `auto` critics run on models, not on the surrogate. */
export function correctionOptions(s: RecoverySettings, modelBackend: boolean): CorrectionOptions {
  return {
    critics: s.critics === 'on' || (s.critics === 'auto' && modelBackend),
    maxReflections: s.maxReflections,
    judgeShare: s.judgeShare,
  }
}

/**
 * Wraps a task runner with the agent layer of error correction: every answer is checked
 * by the task's critics (and a sampled share by the LLM judge); a flagged answer goes back
 * with the critique (reflection) and is regenerated up to `maxReflections` times; if it
 * still fails, a critic's `repair` applies when it has one. Agents need no change.
 *
 * @example
 * const { runner, collect } = withCorrections(await createTaskRunner(llm), { critics: true, maxReflections: 2, judgeShare: 0 })
 */
export function withCorrections(inner: RecordingTaskRunner, opts: CorrectionOptions): CorrectingTaskRunner {
  let pending: CorrectionRecord[] = []
  const active = opts.critics || opts.judgeShare > 0
  const runner: RecordingTaskRunner = {
    async run<I, O>(task: TaskDef<I, O>, input: I, meta: TaskCallMeta): Promise<O> {
      const first = await inner.run(task, input, meta)
      if (!active) return first
      const critics = opts.critics ? criticsFor(task.name) : []
      let found: { verdict: Verdict; critic?: Critic } | null = review(critics, input, first)
      if (!found && opts.judgeShare > 0 && rngFor(meta.runSeed, meta.agent, meta.round, 'judge', task.name, meta.call).next() < opts.judgeShare) {
        found = await judge(inner, task, input, first, meta)
      }
      if (!found) return first
      const flagged = found
      let out = first
      let attempts = 0
      while (found && attempts < opts.maxReflections) {
        attempts++
        out = await inner.run(reflection(task, out, found.verdict.critique), input, { ...meta, call: REFLECT_CALL_BASE * attempts + meta.call })
        found = review(critics, input, out)
      }
      if (found?.critic?.repair) {
        out = found.critic.repair(input, out) as Awaited<O>
        found = review(critics, input, out)
      }
      pending.push({
        round: meta.round,
        agent: meta.agent,
        task: task.name,
        layer: 'agent',
        kind: flagged.verdict.kind,
        problem: flagged.verdict.problem,
        critique: flagged.verdict.critique,
        input,
        prompt: safePrompt(task, input),
        before: first,
        after: out,
        attempts,
        fixed: !found,
      })
      return out
    },
    drain: () => inner.drain(),
    close: async () => {
      await inner.close?.()
    },
  }
  return {
    runner,
    collect() {
      const corrections = pending
      pending = []
      return corrections.length ? { corrections } : {}
    },
  }
}

/** The same task, asked again with the flagged answer and the critique appended. */
export function reflection<I, O>(task: TaskDef<I, O>, previous: O, critique: string): TaskDef<I, O> {
  return {
    ...task,
    prompt: (i: I): ChatMessage[] => [
      ...task.prompt(i),
      { role: 'assistant', content: JSON.stringify(previous) },
      { role: 'user', content: `A reviewer flagged this answer: ${critique} Answer again with corrected JSON only.` },
    ],
  }
}

async function judge<I, O>(inner: RecordingTaskRunner, task: TaskDef<I, O>, input: I, output: O, meta: TaskCallMeta): Promise<{ verdict: Verdict } | null> {
  const prompt = safePrompt(task, input)
  if (!prompt) return null
  const v = await inner.run(judgeAction, { task: task.name, prompt, output }, { ...meta, call: meta.call })
  if (v.correct && v.relevant && v.consistent) return null
  const failed = [!v.correct && 'incorrect', !v.relevant && 'irrelevant', !v.consistent && 'inconsistent with the persona'].filter(Boolean).join(', ')
  return { verdict: { kind: 'judge', problem: `judge: ${failed}`, critique: v.critique || `The answer was judged ${failed}.` } }
}

function safePrompt<I>(task: TaskDef<I, unknown>, input: I): ChatMessage[] | undefined {
  try {
    return task.prompt(input)
  } catch {
    return undefined
  }
}
