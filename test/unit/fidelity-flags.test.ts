import { describe, expect, it } from 'vitest'
import { createProgram } from '../../src/cli/program.ts'
import { buildRunConfig } from '../../src/runner/index.ts'

/** Parses a command line in-process; resolves to the error it throws (flags fail before any work). */
async function failure(args: string[]): Promise<{ code?: string; message: string }> {
  const program = (await createProgram()).exitOverride()
  program.configureOutput({ writeErr: () => {}, writeOut: () => {} })
  try {
    await program.parseAsync(['node', 'usersim', ...args])
  } catch (err) {
    return err as { code?: string; message: string }
  }
  throw new Error('expected the command to fail')
}

describe('eval fidelity flags', () => {
  it('requires --data and checks --ratio, --format and --train-fraction', async () => {
    expect(await failure(['eval', 'fidelity'])).toMatchObject({ code: 'USAGE', message: expect.stringContaining('--data DIR is required') })
    expect((await failure(['eval', 'fidelity', '--data', '.', '--ratio', '2:1'])).message).toMatch(/--ratio expects a comma-separated list like 1:1,1:3 with 1:1 to 1:19 \(got "2:1"\)/)
    expect((await failure(['eval', 'fidelity', '--data', '.', '--ratio', '1:1,1:40'])).message).toMatch(/got "1:40"/)
    expect((await failure(['eval', 'fidelity', '--data', '.', '--format', 'parquet'])).message).toMatch(/--format must be one of latest, 100k, 1m, csv/)
    expect((await failure(['eval', 'fidelity', '--data', '.', '--train-fraction', '1.5'])).message).toMatch(/--train-fraction must be a number in \(0, 1\)/)
    expect((await failure(['eval', 'fidelity', '--data', '.', '--negatives', 'hard'])).message).toMatch(/--negatives must be uniform or popular/)
    expect((await failure(['eval', 'fidelity', '--data', '/nonexistent/dir'])).message).toMatch(/data directory not found/)
  })
})

describe('movielens scenario params', () => {
  it('asks for --data when it is missing', async () => {
    await expect(buildRunConfig('movielens', {})).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('the movielens scenario needs --data DIR') })
  })

  it('rejects --format without --data', async () => {
    expect(await failure(['run', 'movielens', '--format', '1m'])).toMatchObject({ code: 'USAGE', message: '--format needs --data DIR' })
  })
})
