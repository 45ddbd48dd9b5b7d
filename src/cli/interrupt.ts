/**
 * Ctrl-C handling for long commands: the first SIGINT asks the run to stop after the
 * current round (which is then checkpointed, so `usersim resume` continues it); a second
 * one aborts at once (resume still works, from the last checkpoint).
 */
export function stopOnInterrupt(notice: (m: string) => void = (m) => process.stderr.write(`\nusersim: ${m}\n`)): { shouldStop: () => boolean; dispose: () => void } {
  let stop = false
  const onSigint = () => {
    if (stop) process.exit(130)
    stop = true
    notice('stopping after this round (its checkpoint is written; continue with `usersim resume`); Ctrl-C again to abort now')
  }
  process.on('SIGINT', onSigint)
  return { shouldStop: () => stop, dispose: () => process.off('SIGINT', onSigint) }
}
