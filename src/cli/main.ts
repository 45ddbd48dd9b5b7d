import { CommanderError } from 'commander'
import { createProgram } from './program.ts'

/** Exit status by error code: 2 for what the user typed, 1 for what went wrong while running. */
const USAGE_CODES = new Set(['USAGE', 'SCENARIO_NOT_FOUND', 'SCENARIO_INVALID', 'POLICY_UNKNOWN', 'RUN_NOT_FOUND', 'DATA_INVALID'])

async function main(): Promise<void> {
  const program = createProgram().exitOverride()
  try {
    await program.parseAsync(process.argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode
      return
    }
    const code = (err as { code?: string }).code ?? 'INTERNAL'
    const verbose = process.argv.includes('--verbose')
    process.stderr.write(`usersim: ${code === 'INTERNAL' ? '' : `${code}: `}${(err as Error).message ?? String(err)}\n`)
    if (verbose && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n')
    process.exitCode = USAGE_CODES.has(code) ? 2 : 1
  }
}

await main()
