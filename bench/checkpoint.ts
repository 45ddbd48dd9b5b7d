// Checkpoint of 100,000 agents (time, bytes) and resume of that run (time to the first
// new round). Targets: ≤ 2 s and ≤ 5 s. Run alone: `npm run bench -- checkpoint`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resumeRun } from '../src/recovery/resume.ts'
import { rollbackRun } from '../src/recovery/rollback.ts'
import { defaultExtensions } from '../src/extensions/index.ts'
import { buildRunConfig, launchRun, onEvents } from '../src/runner/index.ts'

const AGENTS = Number(process.env.BENCH_CHECKPOINT_AGENTS ?? 100_000)

export async function bench(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'usersim-bench-ck-'))
  const db = join(dir, 'bench.db')
  try {
    const { config } = await buildRunConfig('feed', { agents: AGENTS, rounds: 3, seed: 42 })
    // Two rounds (states carry a grown memory), then stop as an interrupted run would.
    const checkpoints: { round: number; bytes: number; ms: number }[] = []
    let rounds = 0
    const first = await launchRun(config, {
      db,
      extensions: defaultExtensions({ checkpoints: { onWritten: (c) => checkpoints.push(c) }, run: [onEvents('bench', { 'round:done': () => void rounds++ })] }),
      shouldStop: () => rounds >= 2,
    })
    const cp = checkpoints.at(-1)!

    // Resume on worker threads (the default), then again in this thread after a rollback.
    const timeResume = async (threads?: number) => {
      const t0 = performance.now()
      let ready = 0
      let done = 0
      await resumeRun(db, first.runId, {
        threads,
        extensions: defaultExtensions({ run: [onEvents('bench', { 'run:start': () => void (ready = performance.now() - t0), 'round:done': () => void (done ||= performance.now() - t0) })] }),
      })
      return { ready, done }
    }
    const threaded = await timeResume()
    rollbackRun(db, first.runId, cp.round)
    const inline = await timeResume(0)
    const out = {
      checkpointAgents: AGENTS,
      checkpointMs: Math.round(cp.ms),
      checkpointBytes: cp.bytes,
      resumeToFirstRoundMs: Math.round(threaded.ready),
      resumeFirstRoundDoneMs: Math.round(threaded.done),
      resumeInlineToFirstRoundMs: Math.round(inline.ready),
    }
    const s = (ms: number) => (ms / 1000).toFixed(2)
    console.log(`   checkpoint of ${AGENTS.toLocaleString('en-US')} agents (after round ${cp.round}): ${s(cp.ms)} s, ${(cp.bytes / 1e6).toFixed(1)} MB  (target ≤ 2 s)`)
    console.log(`   resume to the first new round: ${s(threaded.ready)} s with worker threads, ${s(inline.ready)} s in-thread (target ≤ 5 s); the round done after ${s(threaded.done)} s`)
    return out
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await bench()
