/** A one-line progress bar on stderr; silent when not a terminal, under --json, or in CI. */
export interface Progress {
  update(done: number, total: number, label: string): void
  done(): void
}

export function createProgress(opts: { json?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = opts.stream ?? process.stderr
  const enabled = !opts.json && stream.isTTY === true && !process.env.CI
  if (!enabled) return { update() {}, done() {} }
  let last = 0
  const started = Date.now()
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
