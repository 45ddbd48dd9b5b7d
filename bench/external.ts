// The external-policy protocol's overhead: the same policy (popularity) in process and
// served over usersim.policy.v1 by another process (`usersim serve-policy`), on the same run.
// Run alone: `npm run bench -- external`.
import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defaultExtensions } from '../src/extensions/index.ts'
import { buildRunConfig, launchRun, type RunResult } from '../src/runner/index.ts'
import { RunStore } from '../src/store/index.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))

async function startServer(catalog: number, seed: number): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['bin/usersim.js', 'serve-policy', 'popularity', '--catalog', String(catalog), '--seed', String(seed), '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
      const line = out.split('\n')[0]
      if (out.includes('\n')) resolve((JSON.parse(line!) as { url: string }).url)
    })
    child.on('exit', (code) => reject(new Error(`serve-policy exited with ${code}`)))
  })
  return { url, stop: () => child.kill('SIGTERM') }
}

export async function bench(): Promise<Record<string, unknown>> {
  const agents = Number(process.env.BENCH_EXTERNAL_AGENTS ?? 20_000)
  const rounds = 3
  const catalog = 2000
  const seed = 9
  const dir = tmpdir()
  const db = (n: string) => join(dir, `usersim-bench-ext-${process.pid}-${n}.db`)
  const server = await startServer(catalog, seed)
  const run = async (name: string, policy: string): Promise<{ r: RunResult; hash: string }> => {
    const { config } = await buildRunConfig('feed', { agents, rounds, catalogSize: catalog, seed, policy })
    const r = await launchRun(config, { db: db(name), extensions: defaultExtensions() })
    const s = new RunStore(db(name), { readonly: true })
    const hash = s.eventsHash(r.runId)
    s.close()
    return { r, hash }
  }
  try {
    const local = await run('local', 'popularity')
    const remote = await run('remote', server.url)
    const rate = (x: RunResult) => x.invocation.agentSteps / (x.invocation.durationMs / 1000)
    const ratio = rate(remote.r) / rate(local.r)
    const overheadUs = (remote.r.invocation.durationMs - local.r.invocation.durationMs) * 1000 / local.r.invocation.agentSteps
    console.log(`external  popularity ${agents.toLocaleString('en-US')} agents × ${rounds} rounds, catalog ${catalog}: in process ${Math.round(rate(local.r)).toLocaleString('en-US')} agent-steps/s, over HTTP ${Math.round(rate(remote.r)).toLocaleString('en-US')} agent-steps/s`)
    console.log(`          ratio ${ratio.toFixed(2)}; protocol overhead ${overheadUs.toFixed(1)} µs per agent-step; same events: ${local.hash === remote.hash}`)
    return { external: { agents, rounds, catalog, inProcessPerS: Math.round(rate(local.r)), overHttpPerS: Math.round(rate(remote.r)), ratio: Math.round(ratio * 100) / 100, overheadUsPerStep: Math.round(overheadUs * 10) / 10, sameEvents: local.hash === remote.hash } }
  } finally {
    server.stop()
    for (const n of ['local', 'remote']) for (const f of [db(n), `${db(n)}-wal`, `${db(n)}-shm`]) rmSync(f, { force: true })
  }
}
