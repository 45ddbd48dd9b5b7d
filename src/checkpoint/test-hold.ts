import { appendFileSync } from 'node:fs'

/**
 * Fault-injection point for crash tests. When `USERSIM_TEST_HOLD` names this point
 * (e.g. `checkpoint:2`, `shard:1:2`), the process writes the point to the file named
 * by `USERSIM_TEST_HOLD_SIGNAL` and blocks, so a test can kill -9 it exactly there.
 * Synchronous on purpose: it must hold inside an open SQLite transaction.
 */
export function testHold(point: string): void {
  const want = process.env.USERSIM_TEST_HOLD
  if (!want || !want.split(',').includes(point)) return
  const signal = process.env.USERSIM_TEST_HOLD_SIGNAL
  if (signal) appendFileSync(signal, point + '\n')
  // Blocks this thread (including the open transaction) until killed, or for
  // USERSIM_TEST_HOLD_MS (default 60 s) after which the run goes on (signals then land).
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(process.env.USERSIM_TEST_HOLD_MS ?? 60_000))
}
