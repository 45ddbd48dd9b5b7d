import type { Command } from 'commander'
import { z } from 'zod'
import { SimError } from '../../core/index.ts'
import { FEATURES } from '../../../agents/users/shopper/features.ts'
import { readUpliftTable } from '../../uplift/dataset.ts'
import { evaluateUplift, type EvalResult } from '../../uplift/evaluate.ts'
import { connectUpliftModel } from '../../uplift/http-model.ts'
import { LEARNERS, type LearnerName } from '../../uplift/learners.ts'
import { DEFAULT_DB, intFlag, parseFlags } from '../flags.ts'
import { formatTable } from '../output/table.ts'
import { RunStore } from '../../store/index.ts'
import { targetingSummary } from '../../uplift/targeting.ts'

const share = (flag: string, lo: number, hi: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined
      const n = Number(v)
      if (v.trim() === '' || !Number.isFinite(n) || n <= lo || n > hi) {
        ctx.addIssue({ code: 'custom', message: `${flag} must be a number in (${lo}, ${hi}] (got "${v}")` })
        return z.NEVER
      }
      return n
    })

const flags = z.object({
  data: z.string().min(1).optional(),
  runs: z.string().regex(/^[^,]+(,[^,]+)*$/, '--runs expects run ids separated by commas').optional(),
  db: z.string().min(1).default(DEFAULT_DB),
  fromRound: intFlag('--from-round', 0),
  outcome: z.enum(['conversion', 'visit', 'spend'], { message: '--outcome must be conversion, visit or spend' }).default('conversion'),
  learner: z
    .string()
    .default('s,t,to')
    .transform((v, ctx) => {
      if (v === 'none') return [] as LearnerName[]
      const out: LearnerName[] = []
      for (const p of v.split(',').map((s) => s.trim())) {
        if (!(LEARNERS as readonly string[]).includes(p)) {
          ctx.addIssue({ code: 'custom', message: `--learner expects a comma-separated list of s, t, to (or none) (got "${p}")` })
          return z.NEVER
        }
        if (!out.includes(p as LearnerName)) out.push(p as LearnerName)
      }
      return out
    }),
  base: z.enum(['gbdt', 'logistic'], { message: '--base must be gbdt or logistic' }).default('gbdt'),
  modelUrl: z.string().url('--model-url must be a URL such as http://127.0.0.1:8000').optional(),
  batch: intFlag('--batch', 1, 1_000_000),
  testShare: share('--test-share', 0, 0.9),
  seed: intFlag('--seed', 0, 2 ** 31 - 1),
  sensitivity: z.boolean().default(true),
  robust: z.boolean().default(true),
  perturb: z.enum(['noise', 'interp'], { message: '--perturb must be noise or interp' }).default('noise'),
  eps: share('--eps', 0, 5),
  key: z
    .string()
    .regex(/^f\d+(,f\d+)*$/, '--key expects feature names like f6,f7')
    .optional(),
  keyCount: intFlag('--key-count', 1, 64),
  repeats: intFlag('--repeats', 1, 50),
  json: z.boolean().default(false),
})

/** `usersim eval uplift`: registered on the `eval` command by eval.ts. */
export function registerEvalUplift(ev: Command): void {
  ev.command('uplift')
    .description('score uplift models (built-in S/T/transformed-outcome learners, or one over HTTP) on uplift data: AUUC, Qini, uplift@k, PEHE; RUAD feature sensitivity and a desensitised variant')
    .option('--data <path>', 'an `export --format uplift` directory or an uplift CSV (Criteo-style columns f0…fN, treatment, outcome)')
    .option('--runs <ids>', 'instead: compare the targeting of marketing runs (comma-separated ids) against random and oracle targeting')
    .option('--db <file>', 'SQLite file of --runs', DEFAULT_DB)
    .option('--from-round <r>', 'with --runs: count rounds from r on (e.g. after a warm-up)', '0')
    .option('--outcome <name>', 'conversion, visit or spend', 'conversion')
    .option('--learner <list>', 'built-in learners: s, t, to (comma-separated) or none', 's,t,to')
    .option('--base <model>', 'base model of the learners: gbdt or logistic', 'gbdt')
    .option('--model-url <url>', 'also score an external model speaking usersim.uplift.v1 (GET /info, POST /predict)')
    .option('--batch <n>', 'rows per /predict request (at most the model’s maxBatch)', '1000')
    .option('--test-share <x>', 'share of users (agent_id) held out for scoring', '0.3')
    .option('--seed <n>', 'seed of the split and the perturbations', '1')
    .option('--no-sensitivity', 'skip the feature-sensitivity test')
    .option('--no-robust', 'skip the desensitised (adversarially trained) variant')
    .option('--perturb <mode>', 'noise (bounded, ε·sd) or interp (soft interpolation toward another row)', 'noise')
    .option('--eps <x>', 'ε: noise bound in standard deviations, or interpolation weight', '0.5')
    .option('--key <features>', 'the key features to perturb together, e.g. f6,f7 (default: the most sensitive)')
    .option('--key-count <k>', 'how many of the most sensitive features form the key subset', '3')
    .option('--repeats <n>', 'perturbation draws averaged per measurement', '3')
    .option('--json', 'print one JSON object instead of tables', false)
    .action(async (raw: Record<string, unknown>) => {
      const f = parseFlags(flags, raw)
      if (f.runs) return compareTargeting(f.runs.split(','), f.db, f.fromRound ?? 0, f.json)
      if (!f.data) throw new SimError('USAGE', '--data DIR is required (an `export --format uplift` directory or an uplift CSV), or --runs A,B to compare targeting')
      const data = f.data
      if (!f.learner.length && !f.modelUrl) throw new SimError('USAGE', '--learner none needs --model-url (nothing to score)')
      const started = performance.now()
      const table = readUpliftTable(data, f.outcome)
      const key = f.key?.split(',').map((k) => {
        const j = table.features.indexOf(k)
        if (j < 0) throw new SimError('USAGE', `--key: no feature "${k}" in ${table.file} (features: ${table.features.join(', ')})`)
        return j
      })
      const external = f.modelUrl ? await connectUpliftModel(f.modelUrl, { batch: f.batch }) : undefined
      const progress = f.json || !process.stderr.isTTY ? undefined : (what: string) => process.stderr.write(`\r\x1b[K${what}…`)
      const result = await evaluateUplift(table, {
        learners: f.learner,
        base: f.base,
        testShare: f.testShare ?? 0.3,
        seed: f.seed ?? 1,
        external,
        sensitivity: f.sensitivity,
        robust: f.robust,
        perturb: { mode: f.perturb, eps: f.eps ?? 0.5 },
        keyFeatures: key,
        keyCount: f.keyCount ?? 3,
        repeats: f.repeats ?? 3,
        progress,
      })
      if (progress) process.stderr.write('\r\x1b[K')
      const durationMs = Math.round(performance.now() - started)
      if (f.json) process.stdout.write(JSON.stringify({ ...result, durationMs }) + '\n')
      else process.stdout.write(upliftTables(result) + `\n${(durationMs / 1000).toFixed(1)} s\n`)
    })
}

const pct = (x: number | undefined) => (x === undefined ? '–' : `${(100 * x).toFixed(1)}%`)

/** The readable report of an evaluation. */
export function upliftTables(r: EvalResult): string {
  const d = r.data
  const out = [
    `uplift evaluation on ${d.file}: outcome ${d.outcome}, ${d.rows.toLocaleString('en-US')} rows (${d.train.toLocaleString('en-US')} train, ${d.test.toLocaleString('en-US')} test), ${d.features} features, treated ${pct(d.treatedShare)}` +
      (d.trueAte !== undefined ? `, true ATE on test ${d.trueAte.toFixed(4)}` : ''),
    '',
    formatTable(
      ['model', 'AUUC', 'Qini', 'uplift@10%', 'uplift@30%', 'AUUC*', 'true@10%', 'PEHE', 'PEHE(E)'],
      r.models.map((m) => [m.name, m.auuc, m.qini, m.upliftAt10, m.upliftAt30, m.auucTrue ?? NaN, m.trueUpliftAt10 ?? NaN, m.pehe ?? NaN, m.peheExpected ?? NaN]),
    ),
    'AUUC, Qini, uplift@k: from observed outcomes of the test rows; AUUC*, true@10%, PEHE: against the exact effects; PEHE(E): against the expected effects.',
  ]
  const s = r.sensitivity
  if (s) {
    out.push(
      '',
      `feature sensitivity of ${s.model} (${s.perturb.mode}, ε ${s.perturb.eps}), most sensitive first:`,
      formatTable(
        ['feature', 'meaning', 'ΔAUUC', 'ΔPEHE', 'sign flips', 'decile flips', 'mean |Δτ̂|'],
        s.features.map((x) => [x.name, FEATURE_MEANING[x.name] ?? '', x.auucDrop, x.peheRise ?? NaN, pct(x.signFlip), pct(x.decileFlip), x.meanChange]),
      ),
      '',
      `key features: ${s.key.join(', ')}; perturbed together:`,
      formatTable(
        ['model', 'ΔAUUC', 'ΔQini', 'ΔPEHE', 'sign flips', 'decile flips'],
        s.keySubset.map((k) => [k.model, k.auucDrop, k.qiniDrop, k.peheRise ?? NaN, pct(k.signFlip), pct(k.decileFlip)]),
      ),
    )
  }
  const rb = r.robust
  if (rb) {
    out.push(
      '',
      `desensitised ${rb.model} (trained on adversarial copies of ${rb.key.join(', ')}) vs plain:`,
      formatTable(
        ['variant', 'AUUC', 'AUUC perturbed', 'Qini', 'Qini perturbed', 'PEHE', 'PEHE perturbed', 'sign flips', 'decile flips'],
        rb.variants.map((v) => [v.variant, v.clean.auuc, v.perturbed.auuc, v.clean.qini, v.perturbed.qini, v.clean.pehe ?? NaN, v.perturbed.pehe ?? NaN, pct(v.signFlip), pct(v.decileFlip)]),
      ),
    )
  }
  return out.join('\n')
}

/** Names of the marketing scenario's features (for other data the column means what its source says). */
const FEATURE_MEANING: Record<string, string> = Object.fromEntries(FEATURES.map((f, j) => [`f${j}`, f.name]))

function compareTargeting(ids: string[], db: string, from: number, json: boolean): void {
  const store = new RunStore(db, { mustExist: true })
  let rows
  try {
    rows = ids.map((id) => targetingSummary(store, id.trim(), from))
  } finally {
    store.close()
  }
  if (json) {
    process.stdout.write(JSON.stringify({ db, fromRound: from, runs: rows }) + '\n')
    return
  }
  process.stdout.write(
    [
      `targeting from round ${from}: incremental outcomes are sums of the exact effects over the users treated; random and oracle treat as many users of the same rounds (oracle E: by the true expected effect; oracle: by the exact effect, draws included)`,
      formatTable(
        ['run', 'policy', 'treated', 'cost', 'inc. conv.', 'random', 'oracle E', 'oracle', 'inc. revenue', 'random', 'oracle E', 'oracle', 'return on spend'],
        rows.map((r) => [r.run, r.policy, r.treated, r.cost, r.incConversions, r.incConversionsRandom, r.incConversionsOracleExpected, r.incConversionsOracle, r.incRevenue, r.incRevenueRandom, r.incRevenueOracleExpected, r.incRevenueOracle, r.returnOnSpend]),
      ),
    ].join('\n') + '\n',
  )
}
