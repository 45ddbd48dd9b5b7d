/**
 * Ctrl-C handling for long commands: the first SIGINT asks the run to stop after the
 * current round (which is then checkpointed, so `npx usersim resume` continues it, and the
 * command exits 130); a second one aborts at once (resume still works, from the last
 * checkpoint). SIGTERM also exits at once, through process exit handlers, so the run is
 * recorded as interrupted (see runner/run-lease.ts).
 */
export function stopOnInterrupt(notice: (m: string) => void = (m) => process.stderr.write(`\nusersim: ${m}\n`)): { shouldStop: () => boolean; dispose: () => void } {
  let stop = false
  const onSigint = () => {
    if (stop) process.exit(130)
    stop = true
    notice('stopping after this round (its checkpoint is written; continue with `npx usersim resume`); Ctrl-C again to abort now')
  }
  const onSigterm = () => process.exit(143)
  process.on('SIGINT', onSigint)
  process.on('SIGTERM', onSigterm)
  return {
    shouldStop: () => stop,
    dispose: () => {
      process.off('SIGINT', onSigint)
      process.off('SIGTERM', onSigterm)
    },
  }
}
