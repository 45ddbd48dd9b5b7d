import type { Command } from 'commander'
import { z } from 'zod'
import { rollbackRun } from '../../recovery/rollback.ts'
import { intFlag, parseFlags, DEFAULT_DB } from '../flags.ts'
import { resolveRunArg, RUN_ID_HELP } from '../run-arg.ts'

const rollbackFlags = z.object({
  db: z.string().min(1, '--db must be a file path').default(DEFAULT_DB),
  toRound: intFlag('--to-round', 0).refine((v) => v !== undefined, { message: '--to-round is required' }),
  json: z.boolean().default(false),
})

export function registerRollback(program: Command): void {
  program
    .command('rollback')
    .description('rewind a run to the end of a round (needs a checkpoint of that round); `npx usersim resume` continues it')
    .argument('<run-id>', RUN_ID_HELP)
    .option('--to-round <n>', 'the last round to keep (rounds count from 0, as `show` prints them)')
    .option('--db <file>', 'SQLite file the run is stored in', DEFAULT_DB)
    .option('--json', 'print one JSON object', false)
    .action((arg: string, raw: Record<string, unknown>) => {
      const flags = parseFlags(rollbackFlags, raw)
      const runId = resolveRunArg(flags.db, arg)
      const out = rollbackRun(flags.db, runId, flags.toRound!)
      if (flags.json) {
        process.stdout.write(JSON.stringify(out) + '\n')
        return
      }
      const rows = Object.entries(out.deleted).map(([t, n]) => `${n} ${t}`).join(', ') || 'nothing'
      process.stdout.write(
        `run ${runId} rolled back to the end of round ${out.round}: deleted ${rows}; dropped ${out.checkpointsDropped} later checkpoint(s)\n` +
          `continue it: npx usersim resume ${runId} --db ${flags.db}\n`,
      )
    })
}
