import type { Command } from 'commander'
import { z } from 'zod'
import { rngFor, SimError } from '../../core/index.ts'
import { applyDataFlags, dataFlag, formatFlag } from '../../data/index.ts'
import { bootMean, interval, type Estimate } from '../../fidelity/rank-agreement.ts'
import { loadScenario } from '../../runner/index.ts'
import { collect, DEFAULT_DB, intFlag, parseFlags, parseSets } from '../flags.ts'
import { createProgress } from '../output/progress.ts'
import { formatTable } from '../output/table.ts'
import { checkReportFlag, finishStudy, reportFlag, studyLines } from '../study-output.ts'
import { ctrOf, parsePolicySpec, runPolicy, satisfactionOf, type AgentOutcome, type PolicySpec } from '../policy-runs.ts'

const flags = z.object({
  policy: z.array(z.string()).refine((v) => v.length >= 2, '--policy: name at least two policies to compare (repeat the flag)'),
  seeds: intFlag('--seeds', 1, 100),
  seed: intFlag('--seed', 0, 2 ** 31 - 1),
  agents: intFlag('--agents', 1, 10_000_000),
  rounds: intFlag('--rounds', 1, 1_000_000),
  slate: intFlag('--slate', 1, 100),
  catalog: intFlag('--catalog', 1, 10_000_000),
  threads: intFlag('--threads', 0, 64),
  warmStart: z.string().optional(),
  set: z.array(z.string()).optional(),
  data: dataFlag,
  format: formatFlag,
  db: z.string().min(1).default(DEFAULT_DB),
  json: z.boolean().default(false),
  report: reportFlag,
})

/** The per-user outcomes `compare` tests. */
export const COMPARE_METRICS: Record<string, (a: AgentOutcome) => number> = {
  ctr: ctrOf,
  satisfaction: satisfactionOf,
  clicksPerVisit: (a) => (a.visits ? a.clicks / a.visits : 0),
  visits: (a) => a.visits,
}

/** A paired difference with its bootstrap CI and two-sided bootstrap p-value. */
export interface PairedDiff extends Estimate {
  p: number
  verdict: 'higher' | 'lower' | 'cannot be told apart'
}

/**
 * Paired bootstrap over units (a user in one replicate): the mean difference, its 95 %
 * percentile interval, and p = 2·min(share of resampled means ≤ 0, share ≥ 0).
 */
export function pairedDiff(a: readonly number[], b: readonly number[], seed: number, samples = 2000): PairedDiff {
  const d = a.map((x, i) => x - b[i]!)
  const n = d.length
  const rng = rngFor(seed, 'paired-bootstrap')
  const means: number[] = []
  let le = 0
  let ge = 0
  for (let s = 0; s < samples; s++) {
    let sum = 0
    for (let i = 0; i < n; i++) sum += d[rng.int(n)]!
    const m = sum / Math.max(1, n)
    if (m <= 0) le++
    if (m >= 0) ge++
    means.push(m)
  }
  const est = interval(means, d.reduce((s, x) => s + x, 0) / Math.max(1, n))
  const p = Math.min(1, (2 * Math.min(le, ge)) / samples)
  return { ...est, p, verdict: est.lo > 0 ? 'higher' : est.hi < 0 ? 'lower' : 'cannot be told apart' }
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('A/B test policies on the same simulated users over several seeds: paired differences with CIs and p-values')
    .argument('<scenario>', 'built-in scenario name or path to a scenario module')
    .option('--policy <spec>', 'a policy: name, name:key=value,… or a policy server URL (repeat; the first is the baseline)', collect)
    .option('--seeds <n>', 'replicates: seeds seed, seed+1, … (the same users for every policy within a seed)', '3')
    .option('--seed <n>', 'first seed (default: the scenario\'s)')
    .option('--agents <n>', 'simulated users')
    .option('--rounds <n>', 'rounds per run')
    .option('--slate <n>', 'items per slate')
    .option('--catalog <n>', 'catalog size')
    .option('--threads <n>', 'worker threads per run (0 = this thread)', '0')
    .option('--warm-start <how>', 'none, log or burn-in[:rounds] (default: the scenario\'s)')
    .option('--set <key=value>', 'scenario parameter (repeatable)', collect)
    .option('--data <dir>', 'dataset directory for data-driven scenarios (movielens)')
    .option('--format <f>', 'dataset format: latest, 100k, 1m or csv')
    .option('--db <file>', 'SQLite file the runs are stored in', DEFAULT_DB)
    .option('--json', 'print one JSON object instead of tables', false)
    .option('--report <file>', 'also write the study\'s HTML report (estimates, forest plot of the differences) to this file')
    .action(async (scenario: string, raw: Record<string, unknown>) => {
      const f = parseFlags(flags, { ...raw, policy: raw.policy ?? [] })
      checkReportFlag(f.report)
      const started = performance.now()
      const specs: PolicySpec[] = f.policy.map(parsePolicySpec)
      if (new Set(specs.map((s) => s.label)).size !== specs.length) throw new SimError('USAGE', '--policy: each policy may be named once')
      const sets = parseSets(f.set)
      if (Object.keys(sets.policyOptions).length) throw new SimError('USAGE', 'compare: give policy options per policy, as --policy name:key=value')
      const { params, agents } = applyDataFlags(f, sets.params)
      const def = await loadScenario(scenario)
      const seed0 = f.seed ?? def.defaults.seed
      const seeds = Array.from({ length: f.seeds ?? 3 }, (_, i) => seed0 + i)
      const progress = createProgress({ json: f.json })
      // units[policy][metric] = per (seed, agent) values, in the same order for every policy.
      const units: Record<string, number[]>[] = specs.map(() => Object.fromEntries(Object.keys(COMPARE_METRICS).map((m) => [m, []])))
      const runs: string[][] = specs.map(() => [])
      try {
        let done = 0
        for (const seed of seeds) {
          for (const [p, spec] of specs.entries()) {
            progress.update(done++, seeds.length * specs.length, `seed ${seed}: ${spec.label}`)
            const run = await runPolicy(scenario, spec, { agents, rounds: f.rounds, slate: f.slate, catalogSize: f.catalog, seed, params, warmStart: f.warmStart }, f.db, f.threads ?? 0)
            runs[p]!.push(run.runId)
            for (const [m, fn] of Object.entries(COMPARE_METRICS)) for (const a of run.agents) units[p]![m]!.push(fn(a))
          }
        }
      } finally {
        progress.done()
      }
      const policies = specs.map((s, p) => ({
        label: s.label,
        runs: runs[p]!,
        metrics: Object.fromEntries(Object.keys(COMPARE_METRICS).map((m) => [m, bootMean(units[p]![m]!, seed0)])) as Record<string, Estimate>,
      }))
      const differences = specs.slice(1).map((s, q) => ({
        label: s.label,
        baseline: specs[0]!.label,
        metrics: Object.fromEntries(Object.keys(COMPARE_METRICS).map((m) => [m, pairedDiff(units[q + 1]![m]!, units[0]![m]!, seed0)])) as Record<string, PairedDiff>,
      }))
      const out = {
        scenario: def.name,
        seeds,
        units: units[0]!.ctr!.length,
        test: 'paired bootstrap over (seed, user) units, 2,000 resamples; 95 % percentile CIs; two-sided bootstrap p',
        policies,
        differences,
        db: f.db,
        durationMs: Math.round(performance.now() - started),
      }
      // The runs in the order they ran: seed by seed, each policy in turn.
      const finished = await finishStudy({ db: f.db, kind: 'compare', result: out, runs: seeds.flatMap((_, i) => runs.map((r) => r[i]!)), report: f.report })
      if (f.json) {
        process.stdout.write(JSON.stringify({ ...out, ...finished }) + '\n')
        return
      }
      const ci = (e: Estimate) => `${e.value.toFixed(4)} [${e.lo.toFixed(4)}, ${e.hi.toFixed(4)}]`
      const metrics = Object.keys(COMPARE_METRICS)
      const lines = [
        `compare on ${def.name}: ${specs.length} policies × ${seeds.length} seed(s) (${seeds.join(', ')}), ${out.units.toLocaleString('en-US')} (seed, user) units each`,
        '',
        formatTable(['policy', ...metrics], policies.map((p) => [p.label, ...metrics.map((m) => ci(p.metrics[m]!))])),
        '',
        `paired differences against ${specs[0]!.label} (${out.test})`,
        formatTable(
          ['policy', 'metric', 'difference [95 % CI]', 'p', 'verdict'],
          differences.flatMap((d) => metrics.map((m) => [d.label, m, ci(d.metrics[m]!), d.metrics[m]!.p.toFixed(3), d.metrics[m]!.verdict])),
        ),
        '',
        `runs stored in ${f.db}; ${(out.durationMs / 1000).toFixed(1)} s`,
        ...studyLines(finished, f.db),
      ]
      process.stdout.write(lines.join('\n') + '\n')
    })
}
