import type { Command } from 'commander'
import { z } from 'zod'
import { interviewAgent } from '../../recovery/interview.ts'
import { SimError } from '../../core/index.ts'
import { SURROGATE } from '../../llm/settings.ts'
import { terminalSafe } from '../output/terminal-safe.ts'
import { intFlag, parseFlags, DEFAULT_DB } from '../flags.ts'
import { resolveRunArg, RUN_ID_HELP } from '../run-arg.ts'

const interviewFlags = z.object({
  db: z.string().min(1, '--db must be a file path').default(DEFAULT_DB),
  agent: intFlag('--agent', 0).refine((v) => v !== undefined, { message: '--agent is required' }),
  round: intFlag('--round', 0),
  surrogate: z.boolean().default(false),
  json: z.boolean().default(false),
})

export function registerInterview(program: Command): void {
  program
    .command('interview')
    .description('ask one simulated user of a run a question, in its current state (recorded; the run is unchanged)')
    .argument('<run-id>', RUN_ID_HELP)
    .argument('<question>', 'the question, quoted')
    .option('--agent <id>', 'the agent to ask')
    .option('--round <n>', 'its state at the end of this round (needs a checkpoint; default: the latest)')
    .option('--surrogate', "answer with the task's surrogate even if the run used a model", false)
    .option('--db <file>', 'SQLite file the run is stored in', DEFAULT_DB)
    .option('--json', 'print one JSON object', false)
    .action(async (runId: string, question: string, raw: Record<string, unknown>) => {
      const flags = parseFlags(interviewFlags, raw)
      if (!question.trim()) throw new SimError('USAGE', 'the question is empty')
      const out = await interviewAgent(flags.db, resolveRunArg(flags.db, runId), flags.agent!, question, { round: flags.round, llm: flags.surrogate ? SURROGATE : undefined })
      if (flags.json) process.stdout.write(JSON.stringify(out) + '\n')
      else process.stdout.write(`agent ${out.agent} after round ${out.round} (${out.backend}):\n${terminalSafe(out.answer)}\n`)
    })
}
