import { appendFileSync } from 'node:fs'
import type { RunExtension } from '../runner/round-loop.ts'

/**
 * Fault injection for crash tests, installed by the CLI when `USERSIM_TEST_HOLD` names
 * points (e.g. `checkpoint:2`, `shard:1:2`, `round:0`): at such a point the process writes
 * the point to the file named by `USERSIM_TEST_HOLD_SIGNAL` and blocks, so a test can
 * kill -9 it exactly there. Synchronous on purpose: it must hold inside an open SQLite
 * transaction.
 */
export interface TestHold {
  /** Blocks if `point` is one of the held points. */
  at(point: string): void
  extension: RunExtension
}

/** The hold the environment asks for, or undefined (the usual case). */
export function testHoldFromEnv(env: Record<string, string | undefined>): TestHold | undefined {
  const want = env.USERSIM_TEST_HOLD
  if (!want) return undefined
  const points = new Set(want.split(','))
  const signal = env.USERSIM_TEST_HOLD_SIGNAL
  // Blocks this thread (including an open transaction) until killed, or for
  // USERSIM_TEST_HOLD_MS (default 60 s) after which the run goes on (signals then land).
  const ms = Number(env.USERSIM_TEST_HOLD_MS ?? 60_000)
  const at = (point: string) => {
    if (!points.has(point)) return
    if (signal) appendFileSync(signal, point + '\n')
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
  }
  return {
    at,
    extension: {
      name: 'test-hold',
      attach(loop) {
        loop.on('shard:committed', ({ round, shardsDone }) => at(`shard:${round}:${shardsDone}`))
        loop.on('round:done', ({ round }) => at(`round:${round}`))
      },
    },
  }
}
