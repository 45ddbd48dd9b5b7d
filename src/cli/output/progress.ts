/**
 * Progress on stderr: a one-line bar on a terminal; off a terminal (a log file, CI, a
 * pipe) a plain line every `everyMs` (default 30 s), so a long run shows it is alive and
 * where it is without filling a log. Silent under --json.
 */
export interface Progress {
  update(done: number, total: number, label: string): void
  done(): void
}

/** Default interval of the progress lines off a terminal. */
export const PROGRESS_LINE_EVERY_MS = 30_000

export function createProgress(opts: { json?: boolean; stream?: NodeJS.WriteStream; everyMs?: number } = {}): Progress {
  const stream = opts.stream ?? process.stderr
  if (opts.json) return { update() {}, done() {} }
  const started = Date.now()
  if (stream.isTTY !== true || process.env.CI) return progressLines(stream, started, opts.everyMs ?? PROGRESS_LINE_EVERY_MS)
  let last = 0
  return {
    update(done, total, label) {
      const now = Date.now()
      if (now - last < 80 && done < total) return
      last = now
      const width = 28
      const frac = total > 0 ? Math.min(1, done / total) : 0
      const filled = Math.round(frac * width)
      const secs = (now - started) / 1000
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled)
      stream.write(`\r${bar} ${(frac * 100).toFixed(0).padStart(3)}%  ${label}  ${secs.toFixed(1)}s\x1b[K`)
    },
    done() {
      stream.write('\r\x1b[K')
    },
  }
}

/** A line every `everyMs` on a timer (not on updates: a round stuck on one shard still shows the time going by). */
function progressLines(stream: NodeJS.WritableStream, started: number, everyMs: number): Progress {
  let state: { done: number; total: number; label: string } | undefined
  const timer = setInterval(() => {
    const secs = Math.round((Date.now() - started) / 1000)
    const where = state ? `${state.total > 0 ? Math.floor((Math.min(1, state.done / state.total)) * 100) : 0} %  ${state.label}` : 'starting'
    stream.write(`usersim: progress ${where}  ${secs} s\n`)
  }, everyMs)
  timer.unref() // a finished run must not wait for the next line
  return {
    update(done, total, label) {
      state = { done, total, label }
    },
    done() {
      clearInterval(timer)
    },
  }
}
