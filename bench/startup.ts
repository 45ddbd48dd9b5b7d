// Start-up time of the CLI: `usersim --help`, `runs` and `show latest` (commands load their
// modules lazily; the engine, model clients and BullMQ only for the commands that run
// things), next to `node -e 0`. Median wall and CPU time of BENCH_STARTUP_N runs (default 7)
// each. CPU time says more than wall time on a busy machine. `npm run bench -- startup`.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../bin/usersim.js', import.meta.url))
const N = Number(process.env.BENCH_STARTUP_N ?? 7)

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

/** Median wall and CPU seconds of `node args` (CPU: user + system of the child). */
function timeOf(args: string[]): { wall: number; cpu: number } {
  const walls: number[] = []
  const cpus: number[] = []
  for (let i = 0; i < N; i++) {
    const t0 = performance.now()
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, ...args], { encoding: 'utf8' })
    walls.push((performance.now() - t0) / 1000)
    const last = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number)
    cpus.push(last[0]! + last[1]!)
  }
  return { wall: median(walls), cpu: median(cpus) }
}

export async function bench(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'usersim-bench-startup-'))
  try {
    const db = join(dir, 'startup.db')
    const made = spawnSync(process.execPath, [BIN, 'run', 'feed', '--agents', '50', '--rounds', '1', '--threads', '0', '--db', db, '--json'], { encoding: 'utf8' })
    if (made.status !== 0) throw new Error(made.stderr)
    const out: Record<string, number> = {}
    for (const [name, args] of [
      ['node -e 0', ['-e', '0']],
      ['usersim --help', [BIN, '--help']],
      ['usersim runs', [BIN, 'runs', '--db', db]],
      ['usersim show latest', [BIN, 'show', 'latest', '--db', db]],
    ] as const) {
      const t = timeOf([...args])
      console.log(`   ${name.padEnd(20)} wall ${t.wall.toFixed(2)} s  cpu ${t.cpu.toFixed(2)} s  (median of ${N})`)
      const key = name.replace(/[^a-z]+/gi, '_').replace(/^_|_$/g, '')
      out[`startup_${key}_wall_ms`] = Math.round(t.wall * 1000)
      out[`startup_${key}_cpu_ms`] = Math.round(t.cpu * 1000)
    }
    return out
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
