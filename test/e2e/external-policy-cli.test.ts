import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli, tempDir } from '../helpers/cli.ts'
import { runPython, startPolicyServer, type PolicyServerProcess } from '../helpers/python-policy.ts'

// The loop of docs/external-policies.md: simulate → export the logs → train ReaRec in
// PyTorch → serve it → simulate against it → one report with the built-in it is compared to.
describe('usersim with a PyTorch policy, end to end (CLI)', () => {
  const dir = tempDir('usersim-extcli-')
  const db = join(dir, 'runs.db')
  const common = ['--agents', '200', '--rounds', '3', '--catalog', '300', '--seed', '3', '--db', db, '--json']
  let server: PolicyServerProcess | undefined
  afterAll(async () => {
    await server?.stop()
  })

  it('exports sequences, trains and serves ReaRec, runs against it, and reports both runs', async () => {
    const base = await runCli(['run', 'feed', '--policy', 'bpr', ...common])
    expect(base.code, base.stderr).toBe(0)
    const baseId = JSON.parse(base.stdout).runId as string

    const exp = await runCli(['export', baseId, '--db', db, '--format', 'sequences', '--out', join(dir, 'seq'), '--json'])
    expect(exp.code, exp.stderr).toBe(0)
    expect(JSON.parse(exp.stdout).records).toBeGreaterThan(100)

    const model = join(dir, 'rearec.pt')
    const train = await runPython(['rearec/train.py', '--data', join(dir, 'seq'), '--k', '2', '--epochs', '2', '--d', '32', '--threads', '1', '--out', model], 180_000)
    expect(train.code, train.stderr).toBe(0)
    const figures = JSON.parse(train.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>
    expect(figures).toHaveProperty('test')

    server = await startPolicyServer(['rearec/serve.py', '--model', model, '--port', '0'])
    const ext = await runCli(['run', 'feed', '--policy', server.url, '--set', 'policy.timeoutMs=20000', ...common])
    expect(ext.code, ext.stderr).toBe(0)
    const out = JSON.parse(ext.stdout)
    expect(out.config.policy).toBe(server.url)
    expect(out.rounds).toHaveLength(3)
    expect(out.summary.clicks).toBeGreaterThan(0)

    const report = await runCli(['report', `${baseId},${out.runId}`, '--db', db, '--out', join(dir, 'report.html')])
    expect(report.code, report.stderr).toBe(0)
    expect(existsSync(join(dir, 'report.html'))).toBe(true)
    const html = readFileSync(join(dir, 'report.html'), 'utf8')
    expect(html).toContain(baseId)
    expect(html).toContain(out.runId)
  }, 600_000)

  it('a policy URL nobody answers stops the run with a clear message and a resume hint (exit 1)', async () => {
    const r = await runCli(['run', 'feed', '--policy', 'http://127.0.0.1:9/', '--set', 'policy.attempts=1', '--set', 'policy.timeoutMs=1000', ...common])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/POLICY_UNAVAILABLE: policy http:\/\/127\.0\.0\.1:9: GET \/info failed 1 times .*usersim resume/)
  }, 120_000)
})
