import type { Command } from 'commander'
import { z } from 'zod'
import { startLiveServer } from '../../report/live-server.ts'
import { DEFAULT_LIVE_PORT, serveUntilSignal } from '../../report/serve-while-running.ts'
import { intFlag, parseFlags, DEFAULT_DB } from '../flags.ts'

const serveFlags = z.object({
  db: z.string().min(1, '--db must be a file path'),
  port: intFlag('--port', 0, 65535),
  host: z.string().min(1, '--host must name an address').default('127.0.0.1'),
  runs: z.string().optional(),
})

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve a live page with the charts of the runs in a database (updates while a run progresses)')
    .option('--db <file>', 'SQLite file', DEFAULT_DB)
    .option('--port <n>', 'TCP port (0 = any free port)', String(DEFAULT_LIVE_PORT))
    .option('--host <address>', 'address to bind; keep the default unless others must see the page', '127.0.0.1')
    .option('--runs <ids>', 'runs selected when the page opens, comma-separated (default: the newest)')
    .action(async (raw: Record<string, unknown>) => {
      const flags = parseFlags(serveFlags, raw)
      const server = await startLiveServer({ db: flags.db, port: flags.port, host: flags.host, runs: flags.runs?.split(',').filter(Boolean) })
      process.stderr.write(`usersim: live view of ${flags.db} at ${server.url} (Ctrl-C to stop)\n`)
      await serveUntilSignal(server)
    })
}
