import { existsSync, statSync } from 'node:fs'
import type { Command } from 'commander'
import { z } from 'zod'
import { SimError } from '../../core/index.ts'
import { exportFormat, exportFormats } from '../../datasets/export-registry.ts'
import '../../datasets/formats/index.ts'
import '../../correction/export-corrections.ts'
import '../../datasets/formats/uplift.ts'
import { RunStore } from '../../store/index.ts'
import { parseFlags, DEFAULT_DB } from '../flags.ts'
import { resolveRunArg, RUN_ID_HELP } from '../run-arg.ts'
import { addLlmOptions, llmFromFlags } from '../llm-options.ts'
import { createTaskRunner } from '../../llm/create-runner.ts'

const numberFlag = (flag: string, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined
      const n = Number(v)
      if (v.trim() === '' || Number.isNaN(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${flag} must be a number between ${min} and ${max} (got "${v}")` })
        return z.NEVER
      }
      return n
    })

const exportFlags = z.object({
  db: z.string().min(1, '--db must be a file path').default(DEFAULT_DB),
  format: z.string({ message: '--format is required' }).min(1),
  out: z.string({ message: '--out DIR is required' }).min(1, '--out must be a directory path'),
  task: z.string().min(1).optional(),
  minScore: numberFlag('--min-score', 0, 1),
  lambda: numberFlag('--lambda', 0, 6),
  validation: numberFlag('--validation', 0, 0.9),
  dpoStyle: z.enum(['trl', 'llamafactory'], { message: '--dpo-style must be trl or llamafactory' }).default('trl'),
  name: z.string().min(1).optional(),
  samples: numberFlag('--samples', 1, 32),
  rewardC: numberFlag('--reward-c', 0.001, 1000),
  json: z.boolean().default(false),
})

/** `usersim export <run-id> --format NAME --out DIR`: any registered format (sft, dpo, events, corrections, …). */
export function registerExport(program: Command): void {
  const cmd = program
    .command('export')
    .description('write a run as a dataset (JSONL + README.md dataset card); formats: ' + exportFormats().map((f) => f.name).join(', '))
    .argument('<run-id>', RUN_ID_HELP)
    .option('--db <file>', 'SQLite file', DEFAULT_DB)
    .option('--format <name>', 'sft | dpo | events | any registered format')
    .option('--out <dir>', 'directory to write into (created if missing)')
    .option('--task <name>', 'sft: only this teacher task (parse-command, plan-tools, crs-turn)')
    .option('--min-score <x>', 'sft: only episodes whose mean satisfaction is at least x (0–1)')
    .option('--lambda <x>', 'dpo: rewrite turns whose expectation-confirmation score is below x (default 5)')
    .option('--dpo-style <style>', 'dpo: trl (default) or llamafactory')
    .option('--validation <share>', 'share of episodes in validation.jsonl (default 0.1)')
    .option('--reward-c <c>', 'trajectories: c in the reflector reward (r_t − r_{t−1})·(r_{t−1} + c)/c (default 1)')
    .option('--name <name>', 'recbole: the dataset name (files <out>/<name>/<name>.inter …; default usersim)')
    .option('--samples <n>', 'pareto: explanations sampled per shown one (default 4)')
    .option('--json', 'print one JSON object', false)
  // dpo rewrites low-scored turns with the `rewrite-turn` task: on a model with --llm openai.
  addLlmOptions(cmd)
  cmd.action(async (arg: string, raw: Record<string, unknown>) => {
      const flags = parseFlags(exportFlags.loose(), raw)
      const runId = resolveRunArg(flags.db, arg)
      const format = exportFormat(flags.format)
      if (!format) throw new SimError('USAGE', `unknown --format "${flags.format}" (known: ${exportFormats().map((f) => f.name).join(', ')})`)
      if (flags.minScore !== undefined && flags.format !== 'sft') throw new SimError('USAGE', '--min-score applies to --format sft')
      if (flags.lambda !== undefined && flags.format !== 'dpo') throw new SimError('USAGE', '--lambda applies to --format dpo')
      if (existsSync(flags.out) && !statSync(flags.out).isDirectory()) {
        throw new SimError('USAGE', `--out ${flags.out} is a file; give a directory (it is created if missing)`)
      }
      if (flags.rewardC !== undefined && flags.format !== 'trajectories') throw new SimError('USAGE', '--reward-c applies to --format trajectories')
      const store = new RunStore(flags.db, { mustExist: true })
      try {
        store.getRun(runId)
        const llm = await llmFromFlags(raw, { db: flags.db, json: flags.json })
        const runner = llm ? await createTaskRunner(llm) : undefined
        const rewriterModel = llm?.backend === 'openai' ? llm.model : undefined
        let result
        try {
          result = await format.write(store, runId, flags.out, { task: flags.task, minScore: flags.minScore, lambda: flags.lambda, validation: flags.validation, dpoStyle: flags.dpoStyle, name: flags.name, samples: flags.samples, rewardC: flags.rewardC, runner, rewriterModel })
        } finally {
          await runner?.close?.()
        }
        if (flags.json) process.stdout.write(JSON.stringify({ runId, format: format.name, out: flags.out, ...result }) + '\n')
        else process.stdout.write(`wrote ${result.records.toLocaleString('en-US')} records (${format.name}) to ${flags.out}:\n${result.files.map((f) => `  ${f}`).join('\n')}\n`)
      } finally {
        store.close()
      }
    })
}
