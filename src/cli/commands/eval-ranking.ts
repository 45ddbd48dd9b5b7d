import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Command } from 'commander'
import { z } from 'zod'
import { SimError, type ChoiceParams } from '../../core/index.ts'
import { dataFlag, formatFlag, loadDatasetCached, type DataFormat } from '../../data/index.ts'
import type { CalibratedWorld } from '../../fidelity/calibration-cache.ts'
import { splitByTime } from '../../fidelity/split.ts'
import { offlineMetrics, type OfflineMetrics } from '../../fidelity/ranking-offline.ts'
import { bootMean, rankAgreement, splitHalfAgreement, type Estimate } from '../../fidelity/rank-agreement.ts'
import { distributionFits, sessionLengths, type DistributionFit, type RealDistributions } from '../../fidelity/distributions.ts'
import { loadScenario, resolvePolicy } from '../../runner/index.ts'
import { collect, intFlag, parseFlags } from '../flags.ts'
import { createProgress } from '../output/progress.ts'
import { formatTable } from '../output/table.ts'
import { checkReportFlag, finishStudy, reportFlag, studyLines, type FinishedStudy } from '../study-output.ts'
import { ctrOf, parsePolicySpec, runPolicy, satisfactionOf, type PolicySpec } from '../policy-runs.ts'

/** The policies ranked when --policy names none: the built-ins and variants of BPR and item-to-item. */
export const DEFAULT_RANKING_POLICIES = [
  'random',
  'popularity',
  'cooccurrence',
  'cooccurrence:neighbours=5',
  'cooccurrence:userWindow=1',
  'bpr',
  'bpr:factors=4',
  'bpr:factors=32',
  'bpr:epochs=1',
  'oracle',
]

const flags = z.object({
  data: dataFlag.refine((v) => v !== undefined, '--data DIR is required'),
  format: formatFlag,
  policy: z.array(z.string()).optional(),
  users: intFlag('--users', 2),
  rounds: intFlag('--rounds', 1, 100),
  k: intFlag('--k', 1, 100),
  seed: intFlag('--seed', 0, 2 ** 31 - 1),
  threads: intFlag('--threads', 0, 64),
  trainFraction: z
    .string()
    .regex(/^0?\.\d+$/, '--train-fraction must be a number in (0, 1)')
    .transform(Number)
    .optional(),
  db: z.string().min(1).optional(),
  json: z.boolean().default(false),
  report: reportFlag,
})

type Side = Record<string, number[]>

interface PolicyRow {
  label: string
  offline: Record<'recall' | 'ndcg' | 'hit', Estimate>
  simulated: Record<'ctr' | 'satisfaction' | 'heldOutHit', Estimate> & { ndcg: number; runId: string }
}

export function registerEvalRanking(ev: Command): void {
  ev.command('ranking')
    .description('do simulated users rank recommenders the way the real held-out data does? (Spearman ρ, Kendall τ, bootstrap CIs)')
    .option('--data <dir>', 'dataset directory (MovieLens latest, 100k, 1m, or interactions.csv [+ items.csv])')
    .option('--format <f>', 'latest, 100k, 1m or csv (default: detected from the files)')
    .option('--policy <spec>', 'a policy to rank: name, name:key=value,… or a policy server URL (repeatable; default: 10 built-ins and variants)', collect)
    .option('--users <n>', 'the first n users of the data set (default: all)')
    .option('--rounds <n>', 'simulated rounds per policy', '3')
    .option('--k <n>', 'slate size and cut-off of the offline metrics', '10')
    .option('--seed <n>', 'seed of calibration, simulation and bootstrap', '42')
    .option('--threads <n>', 'worker threads for the simulations (0 = this thread)', '0')
    .option('--train-fraction <x>', "share of each user's ratings, oldest first, that trains policies and personas", '0.8')
    .option('--db <file>', 'SQLite file to keep the simulated runs in (default: a temporary file)')
    .option('--json', 'print one JSON object instead of tables', false)
    .option('--report <file>', 'also write the study\'s HTML report (orderings, agreement, distributions) to this file')
    .action(async (raw: Record<string, unknown>) => {
      const f = parseFlags(flags, raw)
      checkReportFlag(f.report)
      const started = performance.now()
      const seed = f.seed ?? 42
      const k = f.k ?? 10
      const rounds = f.rounds ?? 3
      const trainFraction = f.trainFraction ?? 0.8
      if (!(trainFraction > 0 && trainFraction < 1)) throw new SimError('USAGE', '--train-fraction must be a number in (0, 1)')
      const specs = (f.policy?.length ? f.policy : DEFAULT_RANKING_POLICIES).map(parsePolicySpec)
      if (specs.length < 3) throw new SimError('USAGE', `eval ranking needs at least 3 policies to rank (got ${specs.length})`)
      const progress = createProgress({ json: f.json })
      const scenario = await loadScenario('movielens')
      const params = { data: f.data!, ...(f.format ? { format: f.format } : {}), trainFraction }
      progress.update(0, 1, 'calibrating personas')
      const world = (await scenario.load!({ seed, params })) as CalibratedWorld
      const data = loadDatasetCached(f.data!, f.format as DataFormat | undefined)
      const agents = Math.min(f.users ?? world.personas.length, world.personas.length)
      const splits = splitByTime(data, { trainFraction })
      const heldOut = splits.map((s) => Array.from(s.test, (r) => data.ratings.item[r]!))
      const users = Array.from({ length: agents }, (_, u) => u).filter((u) => heldOut[u]!.length > 0)
      if (users.length < 2) throw new SimError('DATA_INVALID', `${data.source}: fewer than 2 of the first ${agents} users have held-out ratings`)
      const offlineWorld = { ...world, heldOut }
      const db = f.db ?? join(mkdtempSync(join(tmpdir(), 'usersim-ranking-')), 'ranking.db')

      // The real shapes, over the evaluated users' held-out part.
      const R = data.ratings
      const real: RealDistributions = {
        ratings: users.flatMap((u) => Array.from(splits[u]!.test, (k) => R.value[k]!)),
        sessionLengths: users.flatMap((u) => sessionLengths(Array.from(splits[u]!.test, (k) => R.time[k]!))),
      }
      const distributions: DistributionFit[] = []
      const rows: PolicyRow[] = []
      const off: Side[] = []
      const sim: Side[] = []
      try {
        for (const [p, spec] of specs.entries()) {
          progress.update(p, specs.length, `${spec.label}: offline, then ${rounds} simulated round(s)`)
          const policy = resolvePolicy(scenario, spec.name, spec.options)
          const o: OfflineMetrics = await offlineMetrics(policy, offlineWorld, users, { agents, k, seed })
          const run = await runPolicy('movielens', spec, { agents, rounds, slate: k, seed, params, warmStart: 'log' }, db, f.threads ?? 0)
          const heldOutHit = users.map((u) => {
            const a = run.agents[u]!
            const rel = new Set(heldOut[u])
            return a.slates.length ? a.slates.filter((s) => s.some((i) => rel.has(i))).length / a.slates.length : 0
          })
          const s: Side = { ctr: users.map((u) => ctrOf(run.agents[u]!)), satisfaction: users.map((u) => satisfactionOf(run.agents[u]!)), heldOutHit }
          const evaluated = users.map((u) => run.agents[u]!)
          distributions.push(...distributionFits(real, { ratings: evaluated.flatMap((a) => a.ratings), clicksPerVisit: evaluated.flatMap((a) => a.clicksPerVisit) }, spec.label, data.scale))
          off.push({ recall: o.recall, ndcg: o.ndcg, hit: o.hit })
          sim.push(s)
          rows.push({
            label: spec.label,
            offline: { recall: bootMean(o.recall, seed), ndcg: bootMean(o.ndcg, seed), hit: bootMean(o.hit, seed) },
            simulated: { ctr: bootMean(s.ctr!, seed), satisfaction: bootMean(s.satisfaction!, seed), heldOutHit: bootMean(heldOutHit, seed), ndcg: run.summary.ndcg, runId: run.runId },
          })
        }
      } finally {
        progress.done()
      }

      const pair = (a: string, b: string) => ({ offline: a, simulated: b, ...rankAgreement(off.map((x) => x[a]!), sim.map((x) => x[b]!), { seed }) })
      const agreement = [pair('ndcg', 'ctr'), pair('recall', 'ctr'), pair('hit', 'ctr'), pair('ndcg', 'satisfaction'), pair('hit', 'heldOutHit')]
      // The real data's agreement with itself: a ceiling for the figures above.
      const reliability = {
        splitHalf: (['ndcg', 'recall', 'hit'] as const).map((m) => ({ metric: m, ...splitHalfAgreement(off.map((x) => x[m]!), { seed }) })),
        offlineMetrics: [
          { a: 'ndcg', b: 'hit', ...rankAgreement(off.map((x) => x.ndcg!), off.map((x) => x.hit!), { seed }) },
          { a: 'ndcg', b: 'recall', ...rankAgreement(off.map((x) => x.ndcg!), off.map((x) => x.recall!), { seed }) },
        ],
      }
      const popularity = specs.findIndex((s) => s.name === 'popularity' && Object.keys(s.options).length === 0)
      const vsPopularity = popularity < 0 ? [] : specs.map((s, p) => ({ label: s.label, ...pairedVs(off, sim, p, popularity, seed) })).filter((_, p) => p !== popularity)
      const out = {
        dataset: { source: data.source, format: data.format, users: data.users.length, items: data.items.length, ratings: data.ratings.length },
        protocol: {
          split: `per-user time split, oldest ${Math.round(trainFraction * 100)} % train (policies' warm start and personas), newest held out`,
          usersEvaluated: users.length,
          agents,
          k,
          rounds,
          seed,
          warmStart: 'log',
          primary: 'Spearman ρ of the policies ordered by offline NDCG@k on held-out ratings and by simulated CTR',
        },
        choice: (world.personas[0]?.choice ?? null) as ChoiceParams | null,
        policies: rows,
        agreement,
        reliability,
        vsPopularity,
        distributions,
        db,
        durationMs: Math.round(performance.now() - started),
      }
      const finished = await finishStudy({ db, kind: 'ranking', result: out, runs: rows.map((r) => r.simulated.runId), report: f.report })
      if (f.json) {
        process.stdout.write(JSON.stringify({ ...out, ...finished }) + '\n')
        return
      }
      process.stdout.write(rankingTable(out, finished) + '\n')
    })
}

/** Paired differences of one policy against another (per user), on both sides, with bootstrap CIs. */
function pairedVs(off: Side[], sim: Side[], p: number, base: number, seed: number) {
  const diff = (a: number[], b: number[]) => a.map((x, i) => x - b[i]!)
  const o = bootMean(diff(off[p]!.ndcg!, off[base]!.ndcg!), seed)
  const s = bootMean(diff(sim[p]!.ctr!, sim[base]!.ctr!), seed)
  const sign = (e: Estimate) => (e.lo > 0 ? 1 : e.hi < 0 ? -1 : 0)
  return { offlineNdcg: o, simulatedCtr: s, offlineSeparated: sign(o) !== 0, agrees: sign(o) === 0 || sign(o) === sign(s) }
}

const ci = (e: Estimate, d = 3) => `${e.value.toFixed(d)} [${e.lo.toFixed(d)}, ${e.hi.toFixed(d)}]`

function rankingTable(out: {
  dataset: { source: string; users: number; items: number; ratings: number }
  protocol: { split: string; usersEvaluated: number; k: number; rounds: number; seed: number }
  policies: PolicyRow[]
  agreement: Array<{ offline: string; simulated: string; spearman: Estimate; kendall: Estimate }>
  reliability: {
    splitHalf: Array<{ metric: string; spearman: Estimate; corrected: number }>
    offlineMetrics: Array<{ a: string; b: string; spearman: Estimate; kendall: Estimate }>
  }
  vsPopularity: Array<{ label: string; offlineNdcg: Estimate; simulatedCtr: Estimate; offlineSeparated: boolean; agrees: boolean }>
  distributions: DistributionFit[]
  durationMs: number
  db: string
}, finished: FinishedStudy): string {
  const k = out.protocol.k
  const lines = [
    `ranking fidelity on ${out.dataset.source} (${out.dataset.users} users, ${out.dataset.items} items, ${out.dataset.ratings} ratings)`,
    `${out.protocol.split}; ${out.protocol.usersEvaluated} users evaluated; k ${k}; ${out.protocol.rounds} simulated rounds; seed ${out.protocol.seed}`,
    '',
    formatTable(
      ['policy', `NDCG@${k} (real)`, `Recall@${k}`, `HR@${k}`, 'CTR (sim)', 'satisfaction', 'held-out hit', 'NDCG vs truth'],
      out.policies.map((r) => [r.label, ci(r.offline.ndcg), r.offline.recall.value.toFixed(3), r.offline.hit.value.toFixed(3), ci(r.simulated.ctr), r.simulated.satisfaction.value.toFixed(3), r.simulated.heldOutHit.value.toFixed(3), r.simulated.ndcg.toFixed(3)]),
    ),
    '',
    'agreement of the two orderings (95 % bootstrap CI over users)',
    formatTable(
      ['real (offline)', 'simulated', 'Spearman ρ', 'Kendall τ'],
      out.agreement.map((a) => [a.offline, a.simulated, ci(a.spearman, 2), ci(a.kendall, 2)]),
    ),
    '',
    "the real data's agreement with itself (a ceiling for the figures above when policies are near ties)",
    formatTable(
      ['real ordering', 'against', 'Spearman ρ', 'stepped up to all users'],
      [
        ...out.reliability.splitHalf.map((r) => [r.metric, 'the same metric on the other half of the users', ci(r.spearman, 2), r.corrected.toFixed(2)]),
        ...out.reliability.offlineMetrics.map((r) => [r.a, `${r.b} (same users)`, ci(r.spearman, 2), '']),
      ],
    ),
  ]
  if (out.vsPopularity.length) {
    lines.push(
      '',
      'against popularity (paired per user): offline ΔNDCG and simulated ΔCTR',
      formatTable(
        ['policy', 'Δ NDCG (real)', 'Δ CTR (sim)', 'verdict'],
        out.vsPopularity.map((v) => [
          v.label,
          ci(v.offlineNdcg),
          ci(v.simulatedCtr),
          !v.offlineSeparated ? 'offline: not separable from popularity' : v.agrees ? 'simulation agrees' : 'simulation DISAGREES',
        ]),
      ),
    )
  }
  const js = (p: string, q: DistributionFit['quantity']) => out.distributions.find((d) => d.policy === p && d.quantity === q)?.js
  const fmt = (x: number | null | undefined) => (x == null ? '–' : x.toFixed(3))
  if (out.distributions.length) {
    lines.push(
      '',
      'distribution fidelity: Jensen–Shannon divergence, simulated vs real (0 = same shape, 1 = disjoint; no real side for clicks per slate)',
      formatTable(
        ['policy', 'ratings given', 'items per session'],
        out.policies.map((r) => [r.label, fmt(js(r.label, 'rating')), fmt(js(r.label, 'itemsPerSession'))]),
      ),
    )
  }
  lines.push('', `simulated runs kept in ${out.db}; ${(out.durationMs / 1000).toFixed(1)} s`, ...studyLines(finished, out.db))
  return lines.join('\n')
}
