import { Command } from 'commander'
import { USERSIM_VERSION } from '../runner/index.ts'
import { registerBranch } from './commands/branch.ts'
import { registerDistill } from './commands/distill.ts'
import { registerEval } from './commands/eval.ts'
import { registerExport } from './commands/export.ts'
import { registerInterview } from './commands/interview.ts'
import { registerMockLlm } from './commands/mock-llm.ts'
import { registerReport } from './commands/report.ts'
import { registerResume } from './commands/resume.ts'
import { registerRollback } from './commands/rollback.ts'
import { registerRun } from './commands/run.ts'
import { registerRuns } from './commands/runs.ts'
import { registerScenarios } from './commands/scenarios.ts'
import { registerServe } from './commands/serve.ts'
import { registerServePolicy } from './commands/serve-policy.ts'
import { registerShow } from './commands/show.ts'
import { registerWorker } from './commands/worker.ts'

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
  registerResume(program)
  registerRollback(program)
  registerBranch(program)
  registerInterview(program)
  registerReport(program)
  registerExport(program)
  registerDistill(program)
  registerServe(program)
  registerEval(program)
  registerScenarios(program)
  registerWorker(program)
  registerMockLlm(program)
  registerServePolicy(program)
  return program
}
