import type { Command } from 'commander'
import { z } from 'zod'
import { branchRun } from '../../recovery/branch.ts'
import { RunStore } from '../../store/index.ts'
import { collect, DEFAULT_DB, intFlag, parseFlags, parseSets, THREADS_HELP } from '../flags.ts'
import { resolveRunArg, RUN_ID_HELP } from '../run-arg.ts'
import { preflightStored } from '../llm-options.ts'
import { printRunResult, runSession } from '../run-session.ts'

const branchFlags = z.object({
  db: z.string().min(1, '--db must be a file path').default(DEFAULT_DB),
  atRound: intFlag('--at-round', 0).refine((v) => v !== undefined, { message: '--at-round is required' }),
  policy: z.string().min(1, '--policy must name a policy').optional(),
  rounds: intFlag('--rounds', 1, 1_000_000),
  set: z.array(z.string()).optional(),
  threads: intFlag('--threads', 0, 64),
  shards: intFlag('--shards', 1, 100_000),
  redis: z.union([z.string().min(1), z.boolean()]).optional(),
  json: z.boolean().default(false),
})

export function registerBranch(program: Command): void {
  program
    .command('branch')
    .description('start a new run sharing a run\'s history up to a round, then diverging (e.g. another policy)')
    .argument('<run-id>', `the parent run: ${RUN_ID_HELP}`)
    .option('--at-round <n>', 'the last shared round (rounds count from 0, as `show` prints them)')
    .option('--policy <name>', 'the policy from the next round on (warm-started on the shared history)')
    .option('--rounds <n>', 'total rounds of the branch (default: the parent\'s)')
    .option('--set <key=value>', 'scenario parameter or policy.<option>=value (must not change the catalog or population; repeatable)', collect)
    .option('--db <file>', 'SQLite file the run is stored in', DEFAULT_DB)
    .option('--threads <n>', THREADS_HELP)
    .option('--redis [url]', 'run shards on `npx usersim worker` processes through Redis')
    .option('--shards <n>', 'shards per round (results do not depend on it)')
    .option('--json', 'print one JSON object instead of tables', false)
    .action(async (arg: string, raw: Record<string, unknown>) => {
      const flags = parseFlags(branchFlags, raw)
      const parentId = resolveRunArg(flags.db, arg)
      const { params, policyOptions } = parseSets(flags.set)
      const peek = new RunStore(flags.db, { mustExist: true })
      let parentConfig
      try {
        parentConfig = peek.getRun(parentId).config
      } finally {
        peek.close()
      }
      // A model-backed run continues on its own settings: check its endpoints again.
      await preflightStored(parentConfig.llm)
      const session = runSession({ ...parentConfig, rounds: flags.rounds ?? parentConfig.rounds }, flags)
      let out
      try {
        out = await branchRun(flags.db, parentId, flags.atRound!, { policy: flags.policy, params, policyOptions, rounds: flags.rounds }, session.launch)
      } finally {
        session.done()
      }
      if (!flags.json) {
        process.stdout.write(
          `branched from ${out.parentRun} after round ${out.parentRound}${out.warmStarted ? ` (policy ${out.config.policy} warm-started on the shared rounds)` : ''}\n`,
        )
      }
      printRunResult(out.result, out.config, flags.db, out.scenario, flags.json)
    })
}
