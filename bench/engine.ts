import { execFileSync } from 'node:child_process'
import { rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../', import.meta.url))

interface EngineFigure {
  agents: number
  rounds: number
  policy: string
  agentSteps: number
  seconds: number
  agentStepsPerSecond: number
  peakRssMB: number
  satisfaction: number
  dbMB?: number
}

function runChild(agents: number, rounds: number, policy: string): EngineFigure {
  const db = join(tmpdir(), `usersim-bench-${process.pid}-${policy}.db`)
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true })
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/engine-child.ts', String(agents), String(rounds), policy, db], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  })
  const fig = JSON.parse(out.trim().split('\n').at(-1)!) as EngineFigure
  fig.dbMB = Math.round(statSync(db).size / 1e5) / 10
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true })
  return fig
}

/**
 * Issue 2's figures: 100,000 agents × 5 rounds, catalog 5,000, slate 10, surrogate,
 * in-process on all cores, events persisted; popularity (targets ≥ 20k steps/s, ≤ 1.5 GB)
 * and BPR.
 */
export async function bench(): Promise<Record<string, unknown>> {
  const agents = Number(process.env.BENCH_AGENTS ?? 100_000)
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
  const rows: EngineFigure[] = []
  for (const policy of ['popularity', 'bpr']) {
    const fig = runChild(agents, rounds, policy)
    rows.push(fig)
    console.log(
      `engine  ${policy.padEnd(10)} ${fig.agents.toLocaleString('en-US')} agents × ${fig.rounds} rounds: ` +
        `${fig.agentStepsPerSecond.toLocaleString('en-US')} agent-steps/s (${fig.seconds} s), peak RSS ${fig.peakRssMB} MB, db ${fig.dbMB} MB` +
        (policy === 'popularity' ? `   [target ≥ 20,000/s and ≤ 1,536 MB; aim 50,000/s and 1,024 MB]` : ''),
    )
  }
  return { engine: rows }
}
