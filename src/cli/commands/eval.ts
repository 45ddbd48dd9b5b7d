import type { Command } from 'commander'
import { z } from 'zod'
import { SimError, type RecordingTaskRunner, type TaskCallRecord } from '../../core/index.ts'
import { dataFlag, formatFlag, loadDataset } from '../../data/index.ts'
import { calibrate } from '../../fidelity/calibrate.ts'
import { evaluateFidelity, FIDELITY_DEFAULTS, selectUsers, type FidelityResult } from '../../fidelity/protocol.ts'
import { biasBaseline } from '../../fidelity/bias-baseline.ts'
import { fidelityJson, llmUsage, PUBLISHED } from '../../fidelity/report.ts'
import { createTaskRunner, SURROGATE } from '../../llm/create-runner.ts'
import { executionPlan } from '../../runner/execution-plan.ts'
import { addLlmOptions, llmFromFlags } from '../llm-options.ts'
import { intFlag, parseFlags, DEFAULT_DB } from '../flags.ts'
import { createProgress } from '../output/progress.ts'
import { formatTable } from '../output/table.ts'
import { registerEvalUplift } from './eval-uplift.ts'
import { registerEvalRanking } from './eval-ranking.ts'

const ratiosFlag = z
  .string()
  .default('1:1,1:3')
  .transform((v, ctx) => {
    const parts = v.split(',').map((s) => s.trim())
    const out: number[] = []
    for (const p of parts) {
      const m = /^1:(\d+)$/.exec(p)
      const n = m ? Number(m[1]) : NaN
      if (!m || n < 1 || n > 19) {
        ctx.addIssue({ code: 'custom', message: `--ratio expects a comma-separated list like 1:1,1:3 with 1:1 to 1:19 (got "${p}")` })
        return z.NEVER
      }
      if (!out.includes(n)) out.push(n)
    }
    return out
  })

const evalFlags = z.object({
  data: dataFlag.refine((v) => v !== undefined, '--data DIR is required'),
  format: formatFlag,
  ratio: ratiosFlag,
  users: intFlag('--users', 1),
  seed: intFlag('--seed', 0, 2 ** 31 - 1),
  trainFraction: z
    .string()
    .regex(/^(0(\.\d+)?|1(\.0+)?)$/, '--train-fraction must be a number in (0, 1)')
    .transform(Number)
    .refine((x) => x > 0 && x < 1, '--train-fraction must be a number in (0, 1)')
    .optional(),
  negatives: z.enum(['uniform', 'popular'], { message: '--negatives must be uniform or popular' }).default('uniform'),
  db: z.string().min(1).default(DEFAULT_DB),
  json: z.boolean().default(false),
})

export function registerEval(program: Command): void {
  const ev = program.command('eval').description('measure how faithful the simulated users are (fidelity, ranking); score uplift models')
  registerEvalUplift(ev)
  registerEvalRanking(ev)
  const cmd = ev
    .command('fidelity')
    .description("Agent4Rec's protocol: calibrate personas on each user's older ratings, test on the newer ones")
    .option('--data <dir>', 'dataset directory (MovieLens latest, 100k, 1m, or interactions.csv [+ items.csv])')
    .option('--format <f>', 'latest, 100k, 1m or csv (default: detected from the files)')
    .option('--ratio <list>', 'positive:negative ratios to test, e.g. 1:1,1:3,1:9', '1:1,1:3')
    .option('--users <n>', 'evaluate a seeded sample of n users (default: all with a held-out liked item)')
    .option('--seed <n>', 'seed for calibration, sampling and the surrogate', String(FIDELITY_DEFAULTS.seed))
    .option('--negatives <how>', 'never-rated items drawn uniformly (Agent4Rec) or in proportion to popularity (harder)', 'uniform')
    .option('--train-fraction <x>', "share of each user's ratings, oldest first, that calibrates the persona", '0.8')
    .option('--db <file>', 'SQLite file whose LLM response cache is read (with --llm openai)', DEFAULT_DB)
    .option('--json', 'print one JSON object instead of tables', false)
  addLlmOptions(cmd)
  cmd.action(async (raw: Record<string, unknown>) => {
    const flags = parseFlags(evalFlags, raw)
    const started = performance.now()
    const llm = await llmFromFlags(raw, { db: flags.db, json: flags.json })
    const data = loadDataset(flags.data!, flags.format)
    const seed = flags.seed ?? FIDELITY_DEFAULTS.seed
    const trainFraction = flags.trainFraction ?? 0.8
    const progress = createProgress({ json: flags.json })
    progress.update(0, 1, 'calibrating personas')
    const cal = calibrate(data, { seed, split: { trainFraction }, negatives: flags.negatives })
    const runner: RecordingTaskRunner = await createTaskRunner(llm ?? SURROGATE)
    const records: TaskCallRecord[] = []
    const options = {
      ...FIDELITY_DEFAULTS,
      ratios: flags.ratio,
      users: flags.users ?? 0,
      seed,
      negatives: flags.negatives,
      concurrency: llm ? executionPlan(llm).concurrency : 1,
    }
    let result: FidelityResult
    try {
      result = await evaluateFidelity(cal, runner, options, (done, total) => {
        if (llm) records.push(...runner.drain())
        progress.update(done, total, `users ${done}/${total}`)
      })
      records.push(...runner.drain())
    } finally {
      progress.done()
    }
    if (result.usersEvaluated === 0) {
      throw new SimError('DATA_INVALID', `${data.source}: no user has a held-out rating ≥ ${options.likedThreshold} to evaluate`)
    }
    const backend = llm?.backend === 'openai' ? `openai:${llm.model}` : 'surrogate'
    const bias = biasBaseline(data, cal.splits, selectUsers(cal, options))
    const gainOf = (ours: number, theirs: number) => (theirs > 0 ? Math.round((1 - ours / theirs) * 1e4) / 1e4 : 0)
    // Like for like: the persona's expected rating against the baseline's prediction, and
    // the answers on the scale against the baseline's prediction answered on the scale.
    const expectedGain = gainOf(result.rating.expected.rmse, bias.rmse)
    const onScaleGain = gainOf(result.rating.rmse, bias.onScale.rmse)
    const out = {
      ...fidelityJson(cal, result, { ...options, backend, trainFraction }, {
        durationMs: performance.now() - started,
        llm: llm ? llmUsage(records) : undefined,
      }),
      // The honest baseline beside the rating error, on the same split and ratings.
      baselines: { ratingBias: { ...bias, expectedGain, onScaleGain, beaten: expectedGain > 0 && onScaleGain > 0 } },
    }
    if (flags.json) {
      process.stdout.write(JSON.stringify(out) + '\n')
      return
    }
    process.stdout.write(fidelityTable(out) + '\n')
  })
}

type BiasFigures = { rmse: number; onScale: { rmse: number }; expectedGain: number; onScaleGain: number; beaten: boolean }

function biasLine(b: BiasFigures, expected: number, answered: number): string {
  const verdict = (gain: number) => (gain > 0 ? `${(gain * 100).toFixed(1)} % better` : `does NOT beat it (${(gain * 100).toFixed(1)} %)`)
  return [
    `bias baseline (global mean + user and item biases, same split): RMSE ${b.rmse.toFixed(3)}, ${b.onScale.rmse.toFixed(3)} answered on the scale`,
    `  usersim: expected rating ${expected.toFixed(3)} (${verdict(b.expectedGain)}); answers on the scale ${answered.toFixed(3)} (${verdict(b.onScaleGain)})`,
  ].join('\n')
}

function fidelityTable(out: ReturnType<typeof fidelityJson> & { baselines: { ratingBias: BiasFigures } }): string {
  const d = out.dataset
  const lines = [
    `fidelity on ${d.source} (${d.format}: ${d.users.toLocaleString('en-US')} users, ${d.items.toLocaleString('en-US')} items, ${d.ratings.toLocaleString('en-US')} ratings)`,
    `${out.protocol.split}; negatives ${out.protocol.negatives}; ${out.protocol.usersEvaluated} users evaluated; backend ${out.protocol.backend}; seed ${out.protocol.seed}`,
    '',
    formatTable(
      ['ratio', 'candidates', 'accuracy', 'precision', 'recall', 'F1', 'popularity-only judge'],
      out.ratios.map((r) => [r.ratio, r.n, r.accuracy, r.precision, r.recall, r.f1, r.popularityJudge.accuracy]),
    ),
    ...out.ratios
      .filter((r) => r.accuracy <= r.popularityJudge.accuracy)
      .map((r) => `at ${r.ratio} usersim does NOT beat the popularity-only judge (accuracy ${r.accuracy.toFixed(3)} vs ${r.popularityJudge.accuracy.toFixed(3)})`),
    'popularity-only judge: the watch model fitted on the same inner split with item popularity alone (the baseline alignment must beat)',
    '',
    `held-out ratings: RMSE ${out.rating.rmse.toFixed(3)}  MAE ${out.rating.mae.toFixed(3)}  (n ${out.rating.n.toLocaleString('en-US')})`,
    biasLine(out.baselines.ratingBias, out.rating.expected.rmse, out.rating.rmse),
    `rating distribution, simulated vs real: EMD ${out.rating.distribution.emd.toFixed(3)} stars, total variation ${out.rating.distribution.tv.toFixed(3)}, Jensen–Shannon ${out.rating.distribution.js.toFixed(3)}`,
    '',
    'by user activity (Agent4Rec buckets: below the 60th percentile of ratings, 60th-90th, above)',
    formatTable(
      ['activity', 'users', ...out.ratios.map((r) => `acc ${r.ratio}`), ...out.ratios.map((r) => `F1 ${r.ratio}`), 'RMSE', 'MAE'],
      (['low', 'medium', 'high'] as const).map((b) => {
        const s = out.byActivity[b]
        return [b, s.users, ...s.ratios.map((r) => r.accuracy), ...s.ratios.map((r) => r.f1), s.rating.rmse, s.rating.mae]
      }),
    ),
    '',
    `published (their data): Agent4Rec accuracy ${PUBLISHED.agent4rec.accuracy}, RMSE ${PUBLISHED.agent4rec.rmse}; SimUSER accuracy ${PUBLISHED.simuser.accuracy}, RMSE ${PUBLISHED.simuser.rmse}`,
  ]
  if (out.llm) {
    const o = Object.entries(out.llm.outcomes).map(([k, v]) => `${k} ${v}`).join(', ')
    lines.push(`llm: ${out.llm.calls} calls (${o}); ${out.llm.promptTokens.toLocaleString('en-US')} prompt + ${out.llm.completionTokens.toLocaleString('en-US')} completion tokens`)
  }
  lines.push(`${(out.durationMs / 1000).toFixed(1)} s`)
  return lines.join('\n')
}
