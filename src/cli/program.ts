import { Command } from 'commander'
import { USERSIM_VERSION } from '../runner/version.ts'

/**
 * One command of the CLI: how the top-level help lists it, and its module, loaded only when
 * the command line names it. The engine, the model clients and BullMQ take a second or more
 * to load; `usersim --help`, `runs` and `show` need none of that.
 */
interface CommandEntry {
  name: string
  /** Arguments as the help shows them. */
  args: string
  summary: string
  load(): Promise<(program: Command) => void>
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'run', args: '<scenario>', summary: 'run a simulation of a scenario (a built-in name or a .ts file)', load: async () => (await import('./commands/run.ts')).registerRun },
  { name: 'runs', args: '', summary: 'list the runs in a database, newest first', load: async () => (await import('./commands/runs.ts')).registerRuns },
  { name: 'show', args: '<run-id>', summary: "print a run's configuration and metrics per round", load: async () => (await import('./commands/show.ts')).registerShow },
  { name: 'resume', args: '<run-id>', summary: 'continue an interrupted run from its last good checkpoint', load: async () => (await import('./commands/resume.ts')).registerResume },
  { name: 'rollback', args: '<run-id>', summary: 'rewind a run to the end of a round', load: async () => (await import('./commands/rollback.ts')).registerRollback },
  { name: 'branch', args: '<run-id>', summary: "start a new run sharing a run's history up to a round, then diverging", load: async () => (await import('./commands/branch.ts')).registerBranch },
  { name: 'interview', args: '<run-id> <question>', summary: 'ask one simulated user of a run a question', load: async () => (await import('./commands/interview.ts')).registerInterview },
  { name: 'report', args: '<run-ids>', summary: 'write one self-contained HTML report for runs, or for a compare or eval ranking study (study:ID)', load: async () => (await import('./commands/report.ts')).registerReport },
  { name: 'social', args: '<run-ids>', summary: "a run's word of mouth: cascades, clicks from friends, echo chambers, influencers", load: async () => (await import('./commands/social.ts')).registerSocial },
  { name: 'export', args: '<run-id>', summary: 'write a run as a dataset (JSONL + dataset card): sft, dpo, events, corrections, uplift, …', load: async () => (await import('./commands/export.ts')).registerExport },
  { name: 'distill', args: '<run-id>', summary: "fit the surrogate to a model run's recorded decisions: a profile for --surrogate-profile", load: async () => (await import('./commands/distill.ts')).registerDistill },
  { name: 'serve', args: '', summary: 'serve a live page with the charts of the runs in a database', load: async () => (await import('./commands/serve.ts')).registerServe },
  { name: 'eval', args: '', summary: 'measure how faithful the simulated users are; score uplift models', load: async () => (await import('./commands/eval.ts')).registerEval },
  { name: 'compare', args: '<scenario>', summary: 'A/B test policies on a scenario over several seeds: paired differences with confidence intervals', load: async () => (await import('./commands/compare.ts')).registerCompare },
  { name: 'scenarios', args: '', summary: 'list the built-in scenarios', load: async () => (await import('./commands/scenarios.ts')).registerScenarios },
  { name: 'worker', args: '', summary: 'run shard jobs of distributed runs from a Redis server', load: async () => (await import('./commands/worker.ts')).registerWorker },
  { name: 'mock-llm', args: '', summary: 'serve a mock OpenAI-compatible model to dry-run --llm openai', load: async () => (await import('./commands/mock-llm.ts')).registerMockLlm },
  { name: 'serve-policy', args: '<policy>', summary: 'serve a built-in policy over the external-policy protocol', load: async () => (await import('./commands/serve-policy.ts')).registerServePolicy },
]

/** The command a command line names: its first word that is not a (global) option; `help X` names X. */
export function commandOf(argv: readonly string[]): string | undefined {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'))
  return words[0] === 'help' ? words[1] : words[0]
}

/**
 * The `usersim` command line: wiring only; each command lives in commands/. With `argv`,
 * only the command it names is loaded (the others are listed for help); without, all are.
 */
export async function createProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('usersim')
    .description('simulate users of recommender systems with LLM agents, at scale')
    .version(USERSIM_VERSION)
    .option('--verbose', 'print stack traces on errors')
    .showHelpAfterError()
  const wanted = argv ? commandOf(argv) : undefined
  for (const c of COMMANDS) {
    if (argv === undefined || c.name === wanted) {
      ;(await c.load())(program)
      program.commands.find((cmd) => cmd.name() === c.name)?.summary(c.summary)
    } else {
      program.command(c.args ? `${c.name} ${c.args}` : c.name).summary(c.summary)
    }
  }
  return program
}
