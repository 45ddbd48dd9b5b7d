import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { RunStore } from '../../src/store/index.ts'

const exec = promisify(execFile)
export const ROOT = new URL('../..', import.meta.url).pathname
const BIN = join(ROOT, 'bin/usersim.js')

export function tempDir(prefix = 'usersim-ck-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** Runs the CLI to completion; returns stdout, stderr and the exit code (never throws on exit code). */
export async function cli(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await exec('node', [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 << 20 })
    return { stdout, stderr, code: 0 }
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number }
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 }
  }
}

/**
 * Starts `usersim` with a fault-injection hold point, waits until the process is blocked
 * there, and sends it a signal (its pid only; default SIGKILL).
 */
export async function runAndKillAt(
  args: string[],
  hold: string,
  dir: string,
  opts: { signal?: NodeJS.Signals; holdMs?: number } = {},
): Promise<{ code: number | null; stdout: string }> {
  const signal = join(dir, `hold-${hold.replace(/[^a-z0-9]/gi, '_')}-${opts.signal ?? 'KILL'}`)
  const child = spawn('node', [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, USERSIM_TEST_HOLD: hold, USERSIM_TEST_HOLD_SIGNAL: signal, ...(opts.holdMs ? { USERSIM_TEST_HOLD_MS: String(opts.holdMs) } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  let stdout = ''
  child.stderr!.on('data', (d) => (stderr += d))
  child.stdout!.on('data', (d) => (stdout += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const deadline = Date.now() + 60_000
  while (!existsSync(signal) || !readFileSync(signal, 'utf8').includes(hold)) {
    if (child.exitCode !== null) throw new Error(`usersim exited (${child.exitCode}) before reaching hold point ${hold}: ${stderr}`)
    if (Date.now() > deadline) throw new Error(`hold point ${hold} never reached`)
    await new Promise((r) => setTimeout(r, 50))
  }
  process.kill(child.pid!, opts.signal ?? 'SIGKILL')
  return { code: await exited, stdout }
}

/**
 * Runs a command until a DB condition holds, then sends it `signal` (default SIGKILL: an
 * arbitrary point in time). Resolves with the exit code and stdout.
 */
export async function runAndKillWhen(args: string[], db: string, ready: (store: RunStore) => boolean, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; stdout: string }> {
  const child = spawn('node', [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
  let stdout = ''
  child.stdout!.on('data', (d) => (stdout += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error('usersim finished before the kill point')
    if (Date.now() > deadline) throw new Error('kill point never reached')
    if (existsSync(db)) {
      let hit = false
      try {
        const s = new RunStore(db, { readonly: true })
        try {
          hit = ready(s)
        } finally {
          s.close()
        }
      } catch {
        hit = false
      }
      if (hit) break
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  process.kill(child.pid!, signal)
  return { code: await exited, stdout }
}

export function onlyRunId(db: string): string {
  const s = new RunStore(db, { readonly: true })
  try {
    return s.listRuns()[0]!.id
  } finally {
    s.close()
  }
}

export function eventsHash(db: string, runId: string, upTo?: number): string {
  const s = new RunStore(db, { readonly: true })
  try {
    return s.eventsHash(runId, upTo)
  } finally {
    s.close()
  }
}
