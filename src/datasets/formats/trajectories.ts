import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { SimError } from '../../core/index.ts'
import type { RunStore } from '../../store/index.ts'
import { reflectTrial, reflectTrialInput } from '../../../agents/recommenders/reflection/index.ts'
import { renderCard } from '../card.ts'
import type { ExportResult } from '../export-registry.ts'
import { writeJsonl } from '../jsonl.ts'
import { surrogateWarning } from '../pair-tally.ts'
import { extraReflectorRows } from '../reflector-sources.ts'
import { TEACHER_OUTCOMES, TEACHER_TASKS } from '../teacher-tasks.ts'
import { readTaskTraces } from '../traces-repo.ts'
import { trialAt, trialFigures, trialsOf } from '../trials.ts'

const meta = z.object({ run_id: z.string(), scenario: z.string(), seed: z.number().int(), agent_id: z.number().int(), round: z.number().int(), model: z.string() })

/** A planner sample: one policy-side call in a trial, rewarded with the trial's reward. */
export const plannerRow = z.object({
  type: z.literal('planner'),
  episode: z.string(),
  user: z.number().int(),
  trial: z.number().int().nonnegative(),
  task: z.string(),
  /** The task's instruction (its system messages). */
  instruction: z.string(),
  /** Lessons of earlier trials in the prompt (empty in a first trial). */
  reflections: z.array(z.string()),
  /** What the planner saw (the rest of the prompt). */
  observation: z.string(),
  output: z.string(),
  reward: z.number(),
  /** Token log-probabilities of `output` under the behaviour policy (null: not recorded). */
  logprobs: z.array(z.number()).nullable(),
  meta,
})

/** A reflector sample: a lesson, rewarded with the improvement it caused, (r_t − r_{t−1})·(r_{t−1} + c)/c. */
export const reflectorRow = z.object({
  type: z.literal('reflector'),
  /** trial: a reflection between trials; correction: a critic's critique that led to a regenerated answer. */
  source: z.string(),
  episode: z.string(),
  trial: z.number().int().nonnegative(),
  input: z.string(),
  output: z.string(),
  last_reward: z.number(),
  current_reward: z.number(),
  c: z.number().positive(),
  reward: z.number(),
  meta: z.record(z.string(), z.unknown()),
})

/** Imitation-learning samples from successful trials: Alpaca and chat formats. */
export const ilAlpacaRow = z.object({ instruction: z.string(), input: z.string(), output: z.string(), meta })
export const ilChatRow = z.object({ messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })).min(2), meta })

export type PlannerRow = z.infer<typeof plannerRow>
export type ReflectorRow = z.infer<typeof reflectorRow>

/** RetroAct's reflector reward: the improvement, scaled up when the last trial was already good. */
export const reflectorReward = (last: number, current: number, c: number) => Math.round((current - last) * ((last + c) / c) * 1e4) / 1e4

const lessonsIn = (input: unknown): string[] => {
  const l = (input as { lessons?: { text?: unknown }[] } | null)?.lessons
  return Array.isArray(l) ? l.map((x) => String(x?.text ?? '')).filter(Boolean) : []
}

/**
 * RetroAct trajectory data from a run with multi-trial episodes (`--set trials=N`):
 * planner rows (every policy-side call, rewarded with its trial's reward), reflector rows
 * (each lesson, rewarded with the change it caused; plus the correction layer's critiques),
 * and imitation-learning rows from successful trials.
 */
export function writeTrajectories(store: RunStore, runId: string, outDir: string, opts: { c?: number } = {}): ExportResult {
  const run = store.getRun(runId)
  const c = opts.c ?? 1
  const tasks = [...Object.keys(TEACHER_TASKS), 'reflect-trial']
  const traces = readTaskTraces(store.db, store.runKey(runId), tasks)
  const extra = extraReflectorRows(store, runId)
  if (!traces.length && !extra.length) {
    throw new SimError('NO_DATA', `run ${runId} (scenario ${run.scenario}) has no recorded planner or reflector calls: trajectories need interactive-feed or conversational (with --set trials=N for reflections)`)
  }
  const trials = trialsOf(store, runId)
  const planner: PlannerRow[] = []
  const reflector: ReflectorRow[] = []
  const alpaca: z.infer<typeof ilAlpacaRow>[] = []
  const chat: z.infer<typeof ilChatRow>[] = []
  const models = new Set<string>()
  for (const t of traces) {
    const list = trials.get(t.agent)
    const trial = trialAt(list, t.round)
    if (!trial) continue
    const model = t.model ?? 'surrogate'
    models.add(model)
    const m = { run_id: runId, scenario: run.scenario, seed: run.seed, agent_id: t.agent, round: t.round, model }
    const episode = `${runId}:${t.agent}`
    if (t.task === 'reflect-trial') {
      const input = reflectTrialInput.safeParse(t.input)
      if (!input.success) continue
      // The lesson is about trial input.trial and is tried out in the trial this call opens.
      const last = list!.find((x) => x.trial === input.data.trial)?.reward ?? input.data.outcome.reward
      const messages = reflectTrial.prompt(input.data)
      reflector.push({
        type: 'reflector', source: 'trial', episode, trial: input.data.trial, input: messages.map((x) => x.content).join('\n'), output: JSON.stringify(t.output),
        last_reward: last, current_reward: trial.reward, c, reward: reflectorReward(last, trial.reward, c),
        meta: { ...m, next_trial: trial.trial, next_ending: trial.ending },
      })
      continue
    }
    if (!TEACHER_OUTCOMES.has(t.outcome)) continue
    const messages = TEACHER_TASKS[t.task]!.prompt(t.input)
    const system = messages.filter((x) => x.role === 'system').map((x) => x.content).join('\n')
    const rest = messages.filter((x) => x.role !== 'system').map((x) => x.content).join('\n')
    const output = JSON.stringify(t.output)
    planner.push({ type: 'planner', episode, user: t.agent, trial: trial.trial, task: t.task, instruction: system, reflections: lessonsIn(t.input), observation: rest, output, reward: trial.reward, logprobs: t.logprobs, meta: m })
    if (trial.ending === 'passed') {
      alpaca.push({ instruction: system, input: rest, output, meta: m })
      chat.push({ messages: [...messages, { role: 'assistant', content: output }], meta: m })
    }
  }
  for (const e of extra) {
    reflector.push({ type: 'reflector', source: e.source, episode: e.episode, trial: e.trial, input: e.input, output: e.output, last_reward: e.last_reward, current_reward: e.current_reward, c, reward: reflectorReward(e.last_reward, e.current_reward, c), meta: { ...e.meta, agent_id: e.agent, round: e.round } })
  }
  mkdirSync(outDir, { recursive: true })
  const files = ['planner.jsonl', 'reflector.jsonl', 'il-alpaca.jsonl', 'il-chat.jsonl', 'README.md'].map((f) => join(outDir, f))
  writeJsonl(files[0]!, planner)
  writeJsonl(files[1]!, reflector)
  writeJsonl(files[2]!, alpaca)
  writeJsonl(files[3]!, chat)
  const figures = trialFigures(trials)
  writeFileSync(
    files[4]!,
    renderCard({
      title: `RetroAct trajectories from run ${runId}`,
      summary:
        'Multi-trial episodes for training a planner and a reflector (RetroAct): the same simulated user and hidden target are restarted after a failed trial, ' +
        'and the policy writes a lesson that goes into the next trial\'s prompt. Planner rows carry their trial\'s reward; reflector rows the improvement their lesson caused, ' +
        `(r_t − r_{t−1})·(r_{t−1} + c)/c with c = ${c}; imitation-learning rows are the calls of successful trials only.`,
      warnings: surrogateWarning([...models]),
      run,
      format: 'trajectories',
      models: [...models],
      filters: { c },
      files: [
        { name: 'planner.jsonl', records: planner.length, what: 'planner samples (every policy-side call, with its trial and reward)' },
        { name: 'reflector.jsonl', records: reflector.length, what: `reflector samples (${reflector.filter((r) => r.source === 'trial').length} between trials, ${reflector.filter((r) => r.source !== 'trial').length} from the correction layer)` },
        { name: 'il-alpaca.jsonl', records: alpaca.length, what: 'imitation learning, Alpaca {instruction, input, output}: successful trials only' },
        { name: 'il-chat.jsonl', records: chat.length, what: 'imitation learning, chat messages: successful trials only' },
      ],
      fields: {
        'episode, user, trial': 'the episode (run and user) and the trial index, 0 first',
        'instruction, reflections, observation, output': 'a planner call: its instruction, the lessons in its prompt, what it saw, what it answered (JSON)',
        reward: 'planner: the trial reward (1 passed, else half the mean satisfaction); reflector: the derived reflector reward',
        'last_reward, current_reward': 'the reward of the trial the lesson was written from, and of the trial it was tried in',
        logprobs: 'behaviour-policy log-probabilities of the output (null: not recorded)',
        source: 'reflector rows: `trial` (between trials) or `correction` (a critic\'s critique → regenerated answer)',
      },
      notes: [
        `users: ${trials.size}; trials by index: ${figures.map((f) => `#${f.trial + 1}: ${f.users} users, pass rate ${f.passRate}, cumulative ${f.cumulativePassRate}, ${f.avgRounds} rounds, satisfaction ${f.satisfaction}`).join('; ')}`,
        `log-probabilities: ${planner.filter((p) => p.logprobs).length} of ${planner.length} planner rows have them (run with \`--llm openai --logprobs\`; surrogate and cached answers have none)`,
      ],
    }),
  )
  return { files, records: planner.length + reflector.length + alpaca.length + chat.length, summary: { planner: planner.length, reflector: reflector.length, il: alpaca.length, trials: figures } }
}
