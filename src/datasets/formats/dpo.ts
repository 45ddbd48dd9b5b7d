import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { SimError, type TaskRunner } from '../../core/index.ts'
import { createTaskRunner } from '../../llm/create-runner.ts'
import type { RunStore } from '../../store/index.ts'
import { crsRule, crsRuleViolations, crsTurn, crsTurnInput, crsTurnOutput, rewriteTurn, type CrsTurnOutput } from '../../../agents/recommenders/crs/index.ts'
import { crsUserTurnInput, crsUserTurnOutput } from '../../../agents/users/crs-user/index.ts'
import { scoresOf, scoreVector, verifyCrsPair } from '../crs-pair-verify.ts'
import { PairTally, surrogateWarning } from '../pair-tally.ts'
import { renderCard } from '../card.ts'
import type { ExportResult } from '../export-registry.ts'
import { isValidation, writeJsonl } from '../jsonl.ts'
import { TEACHER_OUTCOMES } from '../teacher-tasks.ts'
import { readTaskTraces } from '../traces-repo.ts'

const message = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })

const pairMeta = z.object({
  run_id: z.string(),
  seed: z.number().int(),
  agent_id: z.number().int(),
  round: z.number().int(),
  lambda: z.number(),
  action: z.enum(['ask', 'recommend', 'respond']),
  scores: z.object({ expression: z.number(), strategy: z.number(), recommendation: z.number() }),
  deductions: z.object({ flexibility: z.number(), coherence: z.number(), guidance: z.number() }),
  reasons: z.object({ expression: z.string(), strategy: z.string(), recommendation: z.string() }),
  crs_model: z.string(),
  rater_model: z.string(),
  rewriter_model: z.string(),
  rewrite_reason: z.string(),
  /** The action of the rejected (original) turn and of the chosen (rewritten) one. */
  original_action: z.enum(['ask', 'recommend', 'respond']),
  chosen_action: z.enum(['ask', 'recommend', 'respond']),
  /** The rater's scores of both sides: the original from the run, the rewrite re-scored in the same place. */
  rejected_scores: scoreVector,
  chosen_scores: scoreVector,
  /** chosen − rejected expectation confirmation (> 0 for every kept pair). */
  gain: z.number().positive(),
  /** CRS rules the rejected turn breaks (the chosen turn breaks none). */
  rejected_rules: z.array(crsRule),
  /** The rater that re-scored the chosen turn (the run's rater). */
  verifier_model: z.string(),
})

/** TRL's conversational preference format: prompt messages, chosen and rejected assistant turns. */
export const dpoTrlRecord = z.object({
  prompt: z.array(message).min(1),
  chosen: z.array(message).length(1),
  rejected: z.array(message).length(1),
  meta: pairMeta,
})
/** LLaMA-Factory's ranking format (as in ECPO's released pairs). */
export const dpoLlamaFactoryRecord = z.object({
  system: z.string(),
  instruction: z.string(),
  input: z.literal(''),
  chosen: z.string(),
  rejected: z.string(),
  generative_reward: z.string(),
  meta: pairMeta,
})
export type DpoTrlRecord = z.infer<typeof dpoTrlRecord>
export type DpoLlamaFactoryRecord = z.infer<typeof dpoLlamaFactoryRecord>

export interface DpoOptions {
  /** λ: turns whose expectation-confirmation score is below it are rewritten (ECPO: 2–5). */
  lambda?: number
  style?: 'trl' | 'llamafactory'
  validation?: number
  /** Runs the rewrite task (default: the surrogate). */
  runner?: TaskRunner
  /** The rewriter's model name, recorded in each pair (default: surrogate, or custom with a runner). */
  rewriterModel?: string
}

/**
 * ECPO turn-level preference pairs: every CRS turn the simulated user scored below λ is
 * rewritten by the `rewrite-turn` task using the user's stated reasons (the action may
 * change when the cause calls for it). Each rewrite is held to the CRS's rules and then
 * re-scored by the run's rater in the same place (persona, dialogue, target, turn); the
 * pair is kept only if the rewrite scores higher on what was deducted and no lower on
 * anything else. The rewrite is `chosen`, the original `rejected`.
 */
export async function writeDpo(store: RunStore, runId: string, outDir: string, opts: DpoOptions = {}): Promise<ExportResult> {
  const run = store.getRun(runId)
  const lambda = opts.lambda ?? 5
  const traces = readTaskTraces(store.db, store.runKey(runId), ['crs-turn', 'crs-user-turn'])
  const turns = new Map<string, { crs?: (typeof traces)[number]; user?: (typeof traces)[number] }>()
  for (const t of traces) {
    const k = `${t.agent}:${t.round}`
    const e = turns.get(k) ?? {}
    if (t.task === 'crs-turn') e.crs = t
    else e.user = t
    turns.set(k, e)
  }
  const scored = [...turns.values()].filter((e) => e.crs && e.user && TEACHER_OUTCOMES.has(e.crs.outcome))
  if (!scored.length) throw new SimError('NO_DATA', `run ${runId} (scenario ${run.scenario}) has no rated CRS turns: no preference pairs (dpo needs the conversational scenario)`)
  const runner = opts.runner ?? (await createTaskRunner())
  const rewriterModel = opts.rewriterModel ?? (opts.runner ? 'custom' : 'surrogate')
  // The chosen side is verified by the rater that scored the rejected side: the run's.
  const raterModels = new Set(scored.map(({ user }) => user!.model ?? 'surrogate'))
  const modelRater = [...raterModels].find((m) => m !== 'surrogate')
  if (modelRater && !opts.runner) {
    throw new SimError('USAGE', `run ${runId} was rated by model "${modelRater}": pass --llm openai --model ${modelRater} so that the rewrites are verified by the same rater`)
  }
  const surrogate = await createTaskRunner()
  const style = opts.style ?? 'trl'
  const share = opts.validation ?? 0.1
  const train: unknown[] = []
  const valid: unknown[] = []
  const tally = new PairTally()
  let below = 0
  for (const { crs, user } of scored) {
    const input = crsTurnInput.parse(crs!.input)
    const original = crsTurnOutput.parse(crs!.output)
    const rating = crsUserTurnOutput.parse(user!.output).ratings
    if (rating.expression >= lambda) continue
    below++
    const rejectedRules = crsRuleViolations(input, original)
    const reasons = { expression: rating.expressionReason, strategy: rating.strategyReason, recommendation: rating.recommendationReason }
    const where = { runSeed: run.seed, agent: crs!.agent, round: crs!.round }
    let chosen: CrsTurnOutput
    let rewriteReason: string
    try {
      const rw = await runner.run(rewriteTurn, { context: input, original, score: rating.expression, reasons, deductions: rating.deductions }, { ...where, call: 0 })
      chosen = rw.refinement
      rewriteReason = rw.reason
    } catch {
      tally.drop('rewrite-failed')
      continue
    }
    if (chosen.text === original.text && chosen.action === original.action) {
      tally.drop('unchanged')
      continue
    }
    const raterModel = user!.model ?? 'surrogate'
    const rejected = scoresOf(rating)
    const verdict = await verifyCrsPair({ context: input, userInput: crsUserTurnInput.parse(user!.input), rejected, chosen }, raterModel === 'surrogate' ? surrogate : runner, where)
    if (!verdict.keep) {
      tally.drop(verdict.reason)
      continue
    }
    tally.keep(verdict.gain)
    tally.noteRejected(rejectedRules)
    const meta = {
      run_id: runId,
      seed: run.seed,
      agent_id: crs!.agent,
      round: crs!.round,
      lambda,
      action: original.action,
      scores: { expression: rating.expression, strategy: rating.strategy, recommendation: rating.recommendation },
      deductions: rating.deductions,
      reasons,
      crs_model: crs!.model ?? 'surrogate',
      rater_model: raterModel,
      rewriter_model: rewriterModel,
      rewrite_reason: rewriteReason,
      original_action: original.action,
      chosen_action: chosen.action,
      rejected_scores: rejected,
      chosen_scores: verdict.chosen,
      gain: verdict.gain,
      rejected_rules: rejectedRules,
      verifier_model: raterModel,
    }
    const prompt = crsTurn.prompt(input)
    const rec =
      style === 'trl'
        ? { prompt, chosen: [{ role: 'assistant', content: JSON.stringify(chosen) }], rejected: [{ role: 'assistant', content: JSON.stringify(original) }], meta }
        : {
            system: prompt.filter((m) => m.role === 'system').map((m) => m.content).join('\n'),
            instruction: prompt.filter((m) => m.role !== 'system').map((m) => m.content).join('\n'),
            input: '',
            chosen: JSON.stringify(chosen),
            rejected: JSON.stringify(original),
            generative_reward: rewriteReason,
            meta,
          }
    ;(isValidation(run.seed, crs!.agent, share) ? valid : train).push(rec)
  }
  if (!train.length && !valid.length) {
    throw new SimError('NO_DATA', `run ${runId}: ${scored.length} rated CRS turns, ${below} below λ=${lambda}; ${tally.notes('rewrites')[0]}: no pairs; nothing written`)
  }
  mkdirSync(outDir, { recursive: true })
  const files = [join(outDir, 'train.jsonl'), join(outDir, 'validation.jsonl'), join(outDir, 'README.md')]
  writeJsonl(files[0]!, train)
  writeJsonl(files[1]!, valid)
  const crsModels = [...new Set(scored.map(({ crs }) => crs!.model ?? 'surrogate'))]
  const sides = { 'rejected (the CRS in the run)': crsModels, 'chosen (the rewriter)': [rewriterModel], 'rater and verifier (the simulated user)': [...raterModels] }
  writeFileSync(
    files[2]!,
    renderCard({
      title: `ECPO turn-level preference pairs from run ${runId}`,
      summary:
        'Expectation-confirmation preference optimisation (ECPO) data: each conversational-recommender turn that the AILO user scored below λ ' +
        "was rewritten using the user's stated reasons (changing the action when the cause called for it), checked against the CRS's rules, and " +
        're-scored by the same simulated user in the same place; only rewrites that score higher on what was deducted and no lower elsewhere are kept. ' +
        `chosen = rewrite, rejected = original (${style === 'trl' ? "TRL's conversational DPO format" : "LLaMA-Factory's ranking format"}).`,
      warnings: surrogateWarning([...crsModels, rewriterModel, ...raterModels]),
      run,
      format: `dpo (${style})`,
      models: [...new Set(Object.values(sides).flat())],
      filters: { lambda, 'validation share': share },
      files: [
        { name: 'train.jsonl', records: train.length, what: 'preference pairs' },
        { name: 'validation.jsonl', records: valid.length, what: 'held-out pairs (whole dialogues)' },
      ],
      fields: {
        ...(style === 'trl'
          ? { prompt: 'the CRS prompt at that turn (dialogue context, understood constraints, search results)', chosen: 'the rewritten turn (assistant message, JSON)', rejected: 'the original turn (assistant message, JSON)' }
          : { 'system, instruction, input': 'the CRS prompt (system part, the rest; input empty)', 'chosen, rejected': 'rewritten and original turn (JSON text)', generative_reward: 'why the rewrite is better' }),
        'meta.scores': 'the user\'s ratings of the original turn: expression (5 − deductions), strategy 1–5, recommendation 0–5',
        'meta.deductions, meta.reasons': 'flexibility 0–2, coherence 0–2, guidance 0–1 and the stated reasons (the cause used for the rewrite)',
        'meta.rejected_scores, meta.chosen_scores': 'both sides\' score vectors from the same rater (the chosen side re-scored in the same dialogue state)',
        'meta.gain': 'chosen − rejected expectation confirmation (always > 0)',
        'meta.original_action, meta.chosen_action': 'the action of each side (a rewrite may change it, e.g. respond → recommend)',
        'meta.rejected_rules': 'CRS rules the original turn breaks (no chosen turn breaks any)',
        'meta.lambda': 'threshold: only turns with expression < λ are paired',
        'meta.*_model': 'models of the CRS, the rating user, the rewriter and the verifier (`surrogate` when none)',
      },
      notes: [
        `models by side: ${Object.entries(sides).map(([k, v]) => `${k}: ${v.join(', ')}`).join('; ')}`,
        `rated turns: ${scored.length}; below λ: ${below}`,
        ...tally.notes('rewrites'),
        'drop reasons: `rule:<rule>` the rewrite breaks a CRS rule; `verify:no-gain` the rater did not score it higher on what was deducted; `verify:worse-elsewhere` it scored lower on another dimension; `unchanged`; `rewrite-failed`',
      ],
    }),
  )
  return { files, records: train.length + valid.length, summary: { rated: scored.length, below_lambda: below, ...tally.summary() } }
}
