import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { z } from 'zod'
import { SimError } from '../../core/index.ts'
import type { AgreementFigures, SurrogateProfile } from '../../config/index.ts'
import { distillRun } from '../../distill/distill-run.ts'
import { RunStore } from '../../store/index.ts'
import { DEFAULT_DB, intFlag, parseFlags } from '../flags.ts'
import { formatTable } from '../output/table.ts'

const flagsSchema = z.object({
  out: z.string({ message: '--out FILE is required (where the profile is written)' }).min(1, '--out must be a file path'),
  tasks: z.string().optional(),
  holdout: z.string().regex(/^0(\.\d+)?$/, '--holdout must be a share between 0 and 1 (e.g. 0.2)').transform(Number).optional(),
  seed: intFlag('--seed', 0, 2 ** 31 - 1),
  db: z.string().min(1).default(DEFAULT_DB),
  json: z.boolean().default(false),
})

const fig = (x: number | null) => (x === null ? Number.NaN : x)

/** Before/after agreement per task, as `distill` prints it. */
export function fitTable(profile: SurrogateProfile): string {
  const rows: Array<Array<string | number>> = []
  for (const [task, t] of Object.entries(profile.tasks)) {
    const row = (label: string, f: AgreementFigures) => [task, label, f.calls, fig(f.clickF1), fig(f.ratingRmse), fig(f.leaveAgreement), fig(f.satisfactionW1), fig(f.satisfactionKs)]
    rows.push(row('default', t.fit.before), row('distilled', t.fit.after))
  }
  return formatTable(['task', 'surrogate', 'held-out calls', 'click F1', 'rating RMSE', 'leave agree', 'satisf. W1', 'satisf. KS'], rows)
}

/** `usersim distill <run-id> --out profile.json`: fit the surrogate to a model run's answers. */
export function registerDistill(program: Command): void {
  program
    .command('distill')
    .description("fit each task's surrogate to a model run's recorded answers (held-out agents measure the agreement); writes a profile for --surrogate-profile")
    .argument('<run-id>', 'a run made with --llm openai (see `usersim runs`)')
    .option('--out <file>', 'where to write the profile (JSON)')
    .option('--tasks <list>', 'comma-separated tasks to fit (default: every distillable task with model answers)')
    .option('--holdout <share>', 'share of agents held out of the fit (default 0.2)')
    .option('--seed <n>', 'seed of the held-out draw (default: the run seed)')
    .option('--db <file>', 'SQLite file', DEFAULT_DB)
    .option('--json', 'print the profile as JSON', false)
    .action((runId: string, raw: Record<string, unknown>) => {
      const f = parseFlags(flagsSchema, raw)
      if (f.holdout === 0) throw new SimError('USAGE', '--holdout must be above 0: agreement is measured on held-out agents')
      const store = new RunStore(f.db, { mustExist: true })
      let profile: SurrogateProfile
      try {
        const tasks = f.tasks?.split(',').map((t) => t.trim()).filter(Boolean)
        profile = distillRun(store, runId, { tasks, holdout: f.holdout, seed: f.seed })
      } finally {
        store.close()
      }
      writeFileSync(f.out, JSON.stringify(profile, null, 2) + '\n')
      if (f.json) {
        process.stdout.write(JSON.stringify(profile) + '\n')
        return
      }
      process.stdout.write(
        [
          `profile ${profile.hash.slice(0, 12)} from run ${runId}: ${Object.keys(profile.tasks).join(', ')}; ${profile.holdout.agents} held-out agents (share ${profile.holdout.share})`,
          '',
          fitTable(profile),
          '',
          `written to ${f.out}; use it: usersim run <scenario> --surrogate-profile ${f.out}`,
          '',
        ].join('\n'),
      )
    })
}
