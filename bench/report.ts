// Size of the HTML report of a 100,000-agent × 10-round run (1M event rows) and the time
// to write it (one streaming pass over the events). Run alone: `npm run bench -- report`.
// BENCH_REPORT_AGENTS / BENCH_REPORT_ROUNDS make it smaller for a quick look.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeReport } from '../src/report/index.ts'
import { buildRunConfig, launchRun } from '../src/runner/index.ts'

const AGENTS = Number(process.env.BENCH_REPORT_AGENTS ?? 100_000)
const ROUNDS = Number(process.env.BENCH_REPORT_ROUNDS ?? 10)

export async function bench(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'usersim-bench-report-'))
  try {
    const db = join(dir, 'bench.db')
    const { config } = await buildRunConfig('feed', { agents: AGENTS, rounds: ROUNDS, seed: 42 })
    const run = await launchRun(config, { db })
    const t0 = performance.now()
    const r = await writeReport({ db, runs: run.runId, out: join(dir, 'report.html') })
    const ms = performance.now() - t0
    const mb = (n: number) => (n / 1e6).toFixed(2)
    console.log(`   report of ${AGENTS.toLocaleString('en-US')} agents × ${ROUNDS} rounds: ${mb(r.bytes)} MB (data ${mb(r.dataBytes)} MB), written in ${(ms / 1000).toFixed(1)} s`)
    return { reportBytes: r.bytes, reportDataBytes: r.dataBytes, reportMs: Math.round(ms), reportAgents: AGENTS, reportRounds: ROUNDS }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
