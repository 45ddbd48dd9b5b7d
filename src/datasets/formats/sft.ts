import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { SimError } from '../../core/index.ts'
import type { RunStore } from '../../store/index.ts'
import { renderCard } from '../card.ts'
import { surrogateWarning } from '../pair-tally.ts'
import { episodeOutcomes } from '../episodes.ts'
import type { ExportResult } from '../export-registry.ts'
import { isValidation, writeJsonl } from '../jsonl.ts'
import { TEACHER_OUTCOMES, TEACHER_TASKS } from '../teacher-tasks.ts'
import { readTaskTraces } from '../traces-repo.ts'

const message = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })

/** One SFT sample: chat messages (the task's prompt, then the teacher's answer as JSON) and provenance. */
export const sftRecord = z.object({
  messages: z.array(message).min(2),
  meta: z.object({
    run_id: z.string(),
    scenario: z.string(),
    seed: z.number().int(),
    agent_id: z.number().int(),
    round: z.number().int(),
    task: z.string(),
    teacher_model: z.string(),
    outcome: z.string(),
    passed: z.boolean(),
    episode_score: z.number(),
  }),
})
export type SftRecord = z.infer<typeof sftRecord>

export interface SftOptions {
  task?: string
  minScore?: number
  /** Share of episodes in validation.jsonl (by agent). */
  validation?: number
}

/**
 * Simulation-augmented distillation data: the teacher calls (Parser and Planner, or the
 * CRS turn) of passed episodes as chat-format JSONL, split by episode into train and
 * validation. Writes nothing (NO_DATA) when the run has no such calls.
 */
export function writeSft(store: RunStore, runId: string, outDir: string, opts: SftOptions = {}): ExportResult {
  const run = store.getRun(runId)
  if (opts.task && !TEACHER_TASKS[opts.task]) {
    throw new SimError('USAGE', `--task ${opts.task} has no distillation data (teacher tasks: ${Object.keys(TEACHER_TASKS).join(', ')})`)
  }
  const tasks = opts.task ? [opts.task] : Object.keys(TEACHER_TASKS)
  const traces = readTaskTraces(store.db, store.runKey(runId), tasks)
  if (!traces.length) {
    throw new SimError('NO_DATA', `run ${runId} (scenario ${run.scenario}) has no recorded ${tasks.join('/')} calls: nothing to distil (sft needs the interactive-feed or conversational scenario)`)
  }
  const episodes = episodeOutcomes(store, runId)
  const share = opts.validation ?? 0.1
  const train: SftRecord[] = []
  const valid: SftRecord[] = []
  const models = new Set<string>()
  let skipped = 0
  for (const t of traces) {
    const ep = episodes.get(t.agent)
    if (!ep?.passed || (opts.minScore !== undefined && ep.score < opts.minScore) || !TEACHER_OUTCOMES.has(t.outcome)) {
      skipped++
      continue
    }
    const def = TEACHER_TASKS[t.task]!
    const model = t.model ?? 'surrogate'
    models.add(model)
    const rec: SftRecord = {
      messages: [...def.prompt(t.input), { role: 'assistant', content: JSON.stringify(t.output) }],
      meta: { run_id: runId, scenario: run.scenario, seed: run.seed, agent_id: t.agent, round: t.round, task: t.task, teacher_model: model, outcome: t.outcome, passed: true, episode_score: ep.score },
    }
    ;(isValidation(run.seed, t.agent, share) ? valid : train).push(rec)
  }
  if (!train.length && !valid.length) {
    throw new SimError('NO_DATA', `run ${runId}: ${traces.length} teacher calls, none from a passed episode${opts.minScore !== undefined ? ` with score ≥ ${opts.minScore}` : ''}; nothing written`)
  }
  mkdirSync(outDir, { recursive: true })
  const files = [join(outDir, 'train.jsonl'), join(outDir, 'validation.jsonl'), join(outDir, 'README.md')]
  writeJsonl(files[0]!, train)
  writeJsonl(files[1]!, valid)
  const passed = [...episodes.values()].filter((e) => e.passed).length
  const keptAgents = new Set([...train, ...valid].map((r) => r.meta.agent_id))
  const kept = [...keptAgents].map((a) => episodes.get(a)!)
  const meanScore = (es: readonly { score: number }[]) => (es.length ? Math.round((es.reduce((n, e) => n + e.score, 0) / es.length) * 1e4) / 1e4 : 0)
  const failed = [...episodes.values()].filter((e) => !e.passed)
  writeFileSync(
    files[2]!,
    renderCard({
      title: `Distillation data (SFT) from run ${runId}`,
      summary:
        'Simulation-augmented distillation: the teacher\'s calls of policy-side tasks in episodes whose simulated user stopped satisfied, ' +
        'as chat-format JSONL (`{"messages": [...]}`) ready for supervised fine-tuning of a small student. The user-side ground truth never appears.',
      run,
      format: 'sft',
      models: [...models],
      filters: { task: opts.task ?? tasks.join(','), 'min-score': opts.minScore, 'validation share': share },
      files: [
        { name: 'train.jsonl', records: train.length, what: 'training samples' },
        { name: 'validation.jsonl', records: valid.length, what: 'held-out samples (whole episodes)' },
      ],
      fields: {
        messages: 'the task prompt (system and user messages) followed by the teacher\'s answer as an assistant message (JSON text)',
        'meta.run_id / scenario / seed': 'provenance',
        'meta.agent_id, meta.round': 'the episode (user) and turn the call belongs to',
        'meta.task': 'parse-command (Parser), plan-tools (Planner) or crs-turn (CRS agent)',
        'meta.teacher_model': 'the model that answered (`surrogate` when none)',
        'meta.outcome': 'ok, repaired, cached or surrogate (fallbacks are excluded)',
        'meta.episode_score': 'mean user satisfaction over the episode, 0–1',
      },
      warnings: surrogateWarning([...models]),
      notes: [
        `episodes: ${episodes.size}; passed (the user stopped satisfied): ${passed}; kept: ${kept.length} (mean score ${meanScore(kept)}); not passed, so not kept: ${failed.length} (mean score ${meanScore(failed)})`,
        `calls skipped (episode not passed, below min-score or a fallback): ${skipped}`,
      ],
    }),
  )
  return { files, records: train.length + valid.length, summary: { episodes: episodes.size, passed, kept_episodes: kept.length, kept_mean_score: meanScore(kept), skipped_calls: skipped } }
}
