import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { ROOT } from './cli.ts'

/** The Python the reference policies are tested with (Debian's, with python3-torch). */
export const PYTHON = '/usr/bin/python3'
export const POLICIES_DIR = join(ROOT, 'examples', 'policies')

export interface PythonResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a Python command to completion (cwd: examples/policies). */
export function runPython(args: string[], timeoutMs = 120_000): Promise<PythonResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { cwd: POLICIES_DIR, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** A policy server started as a child process; `stop()` sends SIGTERM and waits for the exit. */
export interface PolicyServerProcess {
  url: string
  child: ChildProcessWithoutNullStreams
  stderr: () => string
  stop: () => Promise<{ code: number | null; stdout: string }>
}

/**
 * Starts `python3 <script> --port 0 …` and waits for its one stdout line,
 * `listening on http://127.0.0.1:PORT`, which gives the URL.
 */
export async function startPolicyServer(args: string[], timeoutMs = 60_000): Promise<PolicyServerProcess> {
  const child = spawn(PYTHON, args, { cwd: POLICIES_DIR, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${args.join(' ')}: no "listening on" line within ${timeoutMs} ms\n${stderr}`))
    }, timeoutMs)
    child.stdout.on('data', (d) => {
      stdout += d
      const line = /^listening on (http:\/\/\S+)\n/.exec(stdout)
      if (line) {
        clearTimeout(timer)
        resolve(line[1]!)
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${args.join(' ')} exited with ${code} before listening\n${stderr}`))
    })
  })
  return {
    url,
    child,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit')
        child.kill('SIGTERM')
        await exited
      }
      return { code: child.exitCode, stdout }
    },
  }
}
