import type { Command } from 'commander'
import { z } from 'zod'
import { resumeRun } from '../../recovery/resume.ts'
import { RunStore } from '../../store/index.ts'
import { DEFAULT_DB, intFlag, parseFlags, THREADS_HELP } from '../flags.ts'
import { resolveRunArg, RUN_ID_HELP } from '../run-arg.ts'
import { preflightStored } from '../llm-options.ts'
import { printRunResult, runSession } from '../run-session.ts'

const resumeFlags = z.object({
  db: z.string().min(1, '--db must be a file path').default(DEFAULT_DB),
  threads: intFlag('--threads', 0, 64),
  shards: intFlag('--shards', 1, 100_000),
  redis: z.union([z.string().min(1), z.boolean()]).optional(),
  json: z.boolean().default(false),
})

export function registerResume(program: Command): void {
  program
    .command('resume')
    .description('continue an interrupted run from its last good checkpoint (same results as an uninterrupted run)')
    .argument('<run-id>', RUN_ID_HELP)
    .option('--db <file>', 'SQLite file the run is stored in', DEFAULT_DB)
    .option('--threads <n>', THREADS_HELP)
    .option('--redis [url]', 'run shards on `npx usersim worker` processes through Redis; stale jobs of the dead run are removed')
    .option('--shards <n>', 'shards per round (results do not depend on it)')
    .option('--json', 'print one JSON object instead of tables', false)
    .action(async (arg: string, raw: Record<string, unknown>) => {
      const flags = parseFlags(resumeFlags, raw)
      const runId = resolveRunArg(flags.db, arg)
      const peek = new RunStore(flags.db, { mustExist: true })
      let config
      try {
        config = peek.getRun(runId).config
      } finally {
        peek.close()
      }
      // A model-backed run continues on its own settings: check its endpoints again.
      await preflightStored(config.llm)
      const session = runSession(config, flags)
      let out
      try {
        out = await resumeRun(flags.db, runId, session.launch)
      } finally {
        session.done()
      }
      printRunResult(out.result, out.config, flags.db, out.scenario, flags.json)
    })
}
