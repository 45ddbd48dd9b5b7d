import { z } from 'zod'
import { SimError } from '../core/index.ts'
import { startLiveServer, type LiveServer } from './live-server.ts'

/** The port `serve` and `run --serve` use when none is given. */
export const DEFAULT_LIVE_PORT = 8080

/** Stops the server on Ctrl-C / SIGTERM and resolves once it has closed. */
export function serveUntilSignal(server: LiveServer): Promise<void> {
  return new Promise((done) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      void server.close().then(done)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

const portSchema = z.coerce.number().int().min(0).max(65535)

/**
 * `usersim run ... --serve [PORT]`: starts the live view before the run and returns what
 * the run command calls once the run ends (keep serving until Ctrl-C), or null without
 * the flag. A bare `--serve` uses port 8080.
 */
export async function serveRunFromFlag(value: unknown, db: string): Promise<{ afterRun(): Promise<void>; close(): Promise<void> } | null> {
  if (value === undefined || value === false) return null
  let port = DEFAULT_LIVE_PORT
  if (value !== true) {
    const parsed = portSchema.safeParse(String(value).trim() === '' ? Number.NaN : value)
    if (!parsed.success) throw new SimError('USAGE', `--serve takes a port between 0 and 65535 (got "${String(value)}")`)
    port = parsed.data
  }
  const server = await startLiveServer({ db, port })
  process.stderr.write(`usersim: live view at ${server.url}\n`)
  return {
    afterRun: async () => {
      process.stderr.write(`usersim: run ended; still serving ${server.url} (Ctrl-C to stop)\n`)
      await serveUntilSignal(server)
    },
    close: () => server.close(),
  }
}
