import { CommanderError } from 'commander'
import { errorInfo } from '../core/index.ts'
import { createProgram } from './program.ts'

async function main(): Promise<void> {
  const program = createProgram().exitOverride()
  try {
    await program.parseAsync(process.argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode
      return
    }
    const { code, exit } = errorInfo(err)
    const verbose = process.argv.includes('--verbose')
    process.stderr.write(`usersim: ${code === 'INTERNAL' ? '' : `${code}: `}${(err as Error).message ?? String(err)}\n`)
    if (verbose && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n')
    process.exitCode = exit
  }
}

await main()
