import { buildRunConfig, launchRun, type RunOverrides, type RunResult } from './runner/index.ts'

export interface SimulateOptions extends RunOverrides {
  /** SQLite file for the run (default: usersim.db). */
  db?: string
  /** Worker threads (0: this thread). */
  threads?: number
}

/**
 * Runs a scenario (built-in name or module path) from a script and returns its metrics.
 *
 * @example
 * const { summary } = await simulate('feed', { agents: 5000, rounds: 3, policy: 'bpr', db: 'runs.db' })
 * console.log(summary.satisfaction)
 */
export async function simulate(scenario: string, options: SimulateOptions = {}): Promise<RunResult> {
  const { db = 'usersim.db', threads, ...overrides } = options
  const { config } = await buildRunConfig(scenario, overrides)
  return launchRun(config, { db, threads })
}
