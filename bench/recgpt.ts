// recgpt (RecGPT's intent-centric pipeline with explanations and a judge) against the
// log-fitting baselines on the feed scenario, with multi-stakeholder figures (RecGPT §4):
// users (satisfaction, clicks per user, category diversity of clicks: CICD), merchants
// (exposure Gini, coverage, long-tail share of clicks), platform (CTR). Surrogate tasks.
// Run alone: `npm run bench -- recgpt` (BENCH_RECGPT_AGENTS, default 3000).
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateCatalog } from '../src/core/index.ts'
import { defaultExtensions } from '../src/extensions/index.ts'
import { formatTable } from '../src/cli/output/table.ts'
import { buildRunConfig, launchRun } from '../src/runner/index.ts'
import { iterateEvents, RunStore } from '../src/store/index.ts'

interface Variant {
  name: string
  policy: string
  options?: Record<string, unknown>
}

const VARIANTS: Variant[] = [
  { name: 'popularity', policy: 'popularity' },
  { name: 'item-to-item', policy: 'cooccurrence' },
  { name: 'bpr', policy: 'bpr' },
  { name: 'recgpt (no explanations)', policy: 'recgpt', options: { explain: false } },
  { name: 'recgpt (explanations, no judge)', policy: 'recgpt', options: { judge: 'off' } },
  { name: 'recgpt (explanations + judge)', policy: 'recgpt' },
]

export async function bench(): Promise<Record<string, unknown>> {
  const agents = Number(process.env.BENCH_RECGPT_AGENTS ?? 3000)
  const rounds = 5
  const catalogSize = 2000
  const seeds = [7, 8]
  const out: Record<string, Record<string, number>> = {}
  for (const v of VARIANTS) {
    const acc: Record<string, number[]> = {}
    for (const seed of seeds) {
      const db = join(tmpdir(), `usersim-bench-recgpt-${process.pid}-${seed}.db`)
      rmSync(db, { force: true })
      const { config } = await buildRunConfig('feed', { agents, rounds, catalogSize, seed, policy: v.policy, policyOptions: v.options ?? {}, ndcgSample: 1000 })
      const t0 = performance.now()
      const r = await launchRun(config, { db, extensions: defaultExtensions() })
      const seconds = (performance.now() - t0) / 1000
      const store = new RunStore(db, { readonly: true })
      const catalog = generateCatalog({ seed, size: catalogSize })
      const head = new Set([...catalog.items].sort((a, b) => b.popularity - a.popularity).slice(0, catalogSize / 5).map((i) => i.id))
      const cats = new Map<number, Set<string>>()
      let clicks = 0
      let tail = 0
      for (const e of iterateEvents(store, r.runId)) {
        for (const c of e.clicks) {
          clicks++
          if (!head.has(c)) tail++
          let s = cats.get(e.agent)
          if (!s) cats.set(e.agent, (s = new Set()))
          s.add(catalog.items[c]!.category)
        }
      }
      store.close()
      rmSync(db, { force: true })
      let cicd = 0
      for (const s of cats.values()) cicd += s.size
      const last = r.rounds.at(-1)!.custom
      const figures: Record<string, number> = {
        ctr: r.summary.ctr,
        satisfaction: r.summary.finalSatisfaction,
        leave: r.summary.leaveRate,
        clicksPerUser: clicks / agents,
        cicd: cats.size ? cicd / cats.size : 0,
        ndcg: r.summary.ndcg,
        coverage: r.summary.coverage,
        gini: r.summary.gini,
        longTail: clicks ? tail / clicks : 0,
        stepsPerSecond: r.agentSteps / seconds,
        interestPrecision: last['recgpt.interest.precision'] ?? Number.NaN,
        misled: last['recgpt.explanation.misled-clicks'] ?? Number.NaN,
      }
      for (const [k, x] of Object.entries(figures)) (acc[k] ??= []).push(x)
    }
    out[v.name] = Object.fromEntries(Object.entries(acc).map(([k, xs]) => [k, xs.reduce((s, x) => s + x, 0) / xs.length]))
  }
  console.log(`feed, ${agents.toLocaleString('en-US')} users × ${rounds} rounds, catalog ${catalogSize}, mean of seeds ${seeds.join(', ')} (surrogate tasks)`)
  console.log(
    formatTable(
      ['policy', 'CTR', 'satisf.', 'leave', 'clicks/user', 'CICD', 'NDCG@K', 'coverage', 'Gini', 'long-tail', 'misled', 'steps/s'],
      Object.entries(out).map(([name, f]) => [name, f.ctr!, f.satisfaction!, f.leave!, f.clicksPerUser!, f.cicd!, f.ndcg!, f.coverage!, f.gini!, f.longTail!, f.misled!, Math.round(f.stepsPerSecond!)]),
    ),
  )
  return { recgpt: out }
}
