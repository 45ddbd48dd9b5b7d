import { CommanderError } from 'commander'
import { errorInfo } from '../core/errors/index.ts'
import { createProgram } from './program.ts'

/**
 * A reader that went away (`usersim … | head`) ends the output, not the command with a
 * stack trace: EPIPE on stdout or stderr exits quietly, as other command-line tools do.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw err
  })
}

async function main(): Promise<void> {
  quietOnClosedPipe(process.stdout)
  quietOnClosedPipe(process.stderr)
  const program = (await createProgram(process.argv)).exitOverride()
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
