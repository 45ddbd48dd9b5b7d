import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { BIN, ROOT, runCli, tempDir } from '../helpers/cli.ts'

// What a command loads decides how fast it starts (`npm run bench -- startup` has the figures):
// listing and showing runs must not load the engine, the model clients or BullMQ.
const HEAVY = [/\/src\/runner\/(?!version\.ts)/, /\/src\/llm\/(create-runner|llm-runner|model-client)\.ts/, /node_modules\/@langchain\//, /node_modules\/bullmq\//, /node_modules\/ioredis\//]

describe('CLI start-up loads only what the command needs', () => {
  const dir = tempDir('usersim-startup-')
  const db = join(dir, 'runs.db')

  beforeAll(async () => {
    const r = await runCli(['run', 'feed', '--agents', '30', '--rounds', '1', '--threads', '0', '--db', db, '--json'])
    expect(r.code, r.stderr).toBe(0)
  }, 120_000)

  function loaded(args: string[]): string[] {
    const log = join(dir, `imports-${args[0]}-${Math.random().toString(16).slice(2)}.txt`)
    const r = spawnSync(process.execPath, ['--import', join(ROOT, 'test/fixtures/record-imports.mjs'), BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '1', USERSIM_IMPORT_LOG: log } })
    expect(r.status, r.stderr).toBe(0)
    expect(existsSync(log)).toBe(true)
    return readFileSync(log, 'utf8').split('\n').filter(Boolean)
  }

  it.each([[['--help']], [['runs', '--db', db]], [['show', 'latest', '--db', db]], [['help', 'show']]])('usersim %j loads no engine, model client or queue', (args) => {
    const urls = loaded(args)
    expect(urls.some((u) => u.includes('/src/cli/program.ts'))).toBe(true)
    expect(urls.filter((u) => HEAVY.some((re) => re.test(u)))).toEqual([])
  }, 60_000)

  it('usersim run loads the engine (the log sees what it should)', () => {
    const urls = loaded(['run', 'feed', '--agents', '5', '--rounds', '1', '--threads', '0', '--db', join(dir, 'run.db'), '--json'])
    expect(urls.some((u) => /\/src\/runner\/launch\.ts/.test(u))).toBe(true)
  }, 60_000)
})
