import type { Command } from 'commander'
import { z } from 'zod'
import { buildRunConfig, launchRun, type RunResult } from '../../runner/index.ts'
import type { RunConfig } from '../../core/index.ts'
import { collect, intFlag, parseFlags, parseSets } from '../flags.ts'
import { roundsTable, summaryTable } from '../output/metrics-view.ts'
import { createProgress } from '../output/progress.ts'
import type { RunListener } from '../../runner/index.ts'

export const DEFAULT_DB = 'usersim.db'

const runFlags = z.object({
  agents: intFlag('--agents', 1, 10_000_000),
  rounds: intFlag('--rounds', 1, 1_000_000),
  slate: intFlag('--slate', 1, 100),
  seed: intFlag('--seed', 0, 2 ** 31 - 1),
  catalog: intFlag('--catalog', 1, 10_000_000),
  threads: intFlag('--threads', 0, 64),
  shards: intFlag('--shards', 1, 100_000),
  ndcgSample: intFlag('--ndcg-sample', 0, 10_000_000),
  policy: z.string().min(1, '--policy must name a policy').optional(),
  db: z.string().min(1, '--db must be a file path').default(DEFAULT_DB),
  json: z.boolean().default(false),
  set: z.array(z.string()).optional(),
})
export type RunFlags = z.infer<typeof runFlags>

/** Everything `run` prints with --json (also what `resume` prints). */
export function runJson(result: RunResult, config: RunConfig, db: string, scenario: string) {
  return {
    runId: result.runId,
    db,
    scenario,
    config,
    rounds: result.rounds,
    summary: result.summary,
    agentSteps: result.agentSteps,
    durationMs: Math.round(result.durationMs),
    agentStepsPerSecond: Math.round(result.agentSteps / Math.max(1e-9, result.durationMs / 1000)),
    stopped: result.stopped,
  }
}

/** Prints a finished run as a table (people) or one JSON object (scripts). */
export function printRunResult(result: RunResult, config: RunConfig, db: string, scenario: string, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(runJson(result, config, db, scenario)) + '\n')
    return
  }
  const secs = result.durationMs / 1000
  process.stdout.write(
    [
      `run ${result.runId}  (${scenario}, policy ${config.policy}, ${config.agents.toLocaleString('en-US')} agents × ${config.rounds} rounds, seed ${config.seed})`,
      '',
      roundsTable(result.rounds),
      '',
      summaryTable(result.summary),
      '',
      `${result.agentSteps.toLocaleString('en-US')} agent-steps in ${secs.toFixed(1)} s (${Math.round(result.agentSteps / Math.max(secs, 1e-9)).toLocaleString('en-US')}/s)${result.stopped ? ', stopped early' : ''}; stored in ${db}`,
      `see it again: usersim show ${result.runId} --db ${db}`,
      '',
    ].join('\n'),
  )
}

/** A listener that drives the progress bar over rounds and agents. */
export function progressListener(config: RunConfig, json: boolean): RunListener & { finish(): void } {
  const progress = createProgress({ json })
  const total = config.agents * config.rounds
  return {
    onShardDone: ({ round, agentsDone }) =>
      progress.update(round * config.agents + agentsDone, total, `round ${round + 1}/${config.rounds}  agents ${agentsDone.toLocaleString('en-US')}/${config.agents.toLocaleString('en-US')}`),
    finish: () => progress.done(),
  }
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a simulation of a scenario (a built-in name or a .ts file)')
    .argument('<scenario>', 'built-in scenario name (see `usersim scenarios`) or path to a scenario module')
    .option('--agents <n>', 'number of simulated users')
    .option('--rounds <n>', 'number of rounds')
    .option('--policy <name>', 'recommender policy under test')
    .option('--seed <n>', 'run seed (same seed, same results)')
    .option('--slate <n>', 'items per slate')
    .option('--catalog <n>', 'catalog size')
    .option('--db <file>', 'SQLite file to store the run in', DEFAULT_DB)
    .option('--threads <n>', 'worker threads (0 = run in the main thread); default: the number of cores')
    .option('--shards <n>', 'shards per round (results do not depend on it)')
    .option('--ndcg-sample <n>', 'agents per round whose NDCG is measured against the oracle')
    .option('--set <key=value>', 'scenario parameter, or policy.<option>=value (repeatable)', collect)
    .option('--json', 'print one JSON object instead of tables', false)
    .action(async (scenarioRef: string, raw: Record<string, unknown>) => {
      const flags = parseFlags(runFlags, raw)
      const { params, policyOptions } = parseSets(flags.set)
      const { config, scenario } = await buildRunConfig(scenarioRef, {
        agents: flags.agents,
        rounds: flags.rounds,
        slate: flags.slate,
        seed: flags.seed,
        catalogSize: flags.catalog,
        policy: flags.policy,
        ndcgSample: flags.ndcgSample,
        params,
        policyOptions,
      })
      const listener = progressListener(config, flags.json)
      let result: RunResult
      try {
        result = await launchRun(config, { db: flags.db, threads: flags.threads, shards: flags.shards, listener })
      } finally {
        listener.finish()
      }
      printRunResult(result, config, flags.db, scenario.name, flags.json)
    })
}
