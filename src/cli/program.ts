import { Command } from 'commander'
import { USERSIM_VERSION } from '../runner/index.ts'
import { registerRun } from './commands/run.ts'
import { registerRuns } from './commands/runs.ts'
import { registerScenarios } from './commands/scenarios.ts'
import { registerShow } from './commands/show.ts'

/** The `usersim` command line: wiring only; each command lives in commands/. */
export function createProgram(): Command {
  const program = new Command('usersim')
    .description('simulate users of recommender systems with LLM agents, at scale')
    .version(USERSIM_VERSION)
    .option('--verbose', 'print stack traces on errors')
    .showHelpAfterError()
  registerRun(program)
  registerRuns(program)
  registerShow(program)
  registerScenarios(program)
  return program
}
