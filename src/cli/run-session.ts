import { z } from 'zod'
import { SimError } from '../core/index.ts'
import type { RunConfig } from '../config/index.ts'
import { defaultExtensions, testHoldFromEnv } from '../extensions/index.ts'
import { distributedExecutorFromFlag } from '../runner/bullmq/cli-executor.ts'
import { executionPlan, type LaunchOptions, type RunExtension, type RunResult } from '../runner/index.ts'
import { stopOnInterrupt } from './interrupt.ts'
import { createProgress } from './output/progress.ts'
import { roundsTable, summaryTable } from './output/metrics-view.ts'
import { hybridSummary, type HybridSummary } from '../distill/hybrid-summary.ts'
import { RunStore } from '../store/index.ts'

/** A progress bar over rounds and agents, as a round-loop extension. */
export function progressExtension(config: RunConfig, json: boolean): RunExtension & { finish(): void } {
  const progress = createProgress({ json, everyMs: progressEveryFromEnv(process.env) })
  const total = config.agents * config.rounds
  return {
    name: 'progress',
    attach: (loop) => {
      // Rounds count from 0 here too, as every table and message prints them.
      const label = (round: number, agentsDone: number) =>
        `round ${round} of 0–${config.rounds - 1}  agents ${agentsDone.toLocaleString('en-US')}/${config.agents.toLocaleString('en-US')}`
      loop.on('run:start', ({ fromRound }) => progress.update(fromRound * config.agents, total, label(fromRound, 0)))
      loop.on('round:done', ({ round }) => {
        if (round + 1 < config.rounds) progress.update((round + 1) * config.agents, total, label(round + 1, 0))
      })
      loop.on('shard:committed', ({ round, agentsDone }) => progress.update(round * config.agents + agentsDone, total, label(round, agentsDone)))
    },
    finish: () => progress.done(),
  }
}

const everySchema = z.coerce.number().int().min(100).max(86_400_000)

/** USERSIM_PROGRESS_EVERY_MS: how often a run off a terminal prints its progress line. */
export function progressEveryFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.USERSIM_PROGRESS_EVERY_MS
  if (raw === undefined || raw === '') return undefined
  const p = everySchema.safeParse(raw)
  if (!p.success) throw new SimError('USAGE', `USERSIM_PROGRESS_EVERY_MS must be a whole number of milliseconds from 100 to 86400000 (got "${raw}")`)
  return p.data
}

/**
 * What `run`, `resume` and `branch` share: the launch options for a run of `config` from
 * the command's flags (threads, shards, Redis), with every feature plugged in, a progress
 * bar, and Ctrl-C asking the run to stop after the current round. `done()` undoes the
 * Ctrl-C handler and clears the bar.
 */
export function runSession(config: RunConfig, flags: { threads?: number; shards?: number; redis?: string | boolean; json: boolean }): { launch: Omit<LaunchOptions, 'db'> & Required<Pick<LaunchOptions, 'extensions'>>; done(): void } {
  const progress = progressExtension(config, flags.json)
  const interrupt = stopOnInterrupt()
  const plan = executionPlan(config.llm, { threads: flags.threads })
  const launch = {
    threads: plan.threads,
    concurrency: plan.concurrency,
    shards: flags.shards,
    executor: distributedExecutorFromFlag(flags.redis, { concurrency: plan.concurrency }),
    shouldStop: interrupt.shouldStop,
    extensions: defaultExtensions({ run: [progress], testHold: testHoldFromEnv(process.env) }),
  }
  return {
    launch,
    done() {
      interrupt.dispose()
      progress.finish()
    },
  }
}

/** A hybrid or profiled run's audit and cost figures, read back from its database. */
function hybridOf(config: RunConfig, db: string, runId: string): HybridSummary | undefined {
  if (!config.hybrid) return undefined
  const store = new RunStore(db, { mustExist: true })
  try {
    return hybridSummary(store.db, store.runKey(runId), config.hybrid)
  } finally {
    store.close()
  }
}

/** Everything `run` prints with --json (also what `resume` and `branch` print). */
/** Seconds this command spent running rounds: its wall time less the time shards waited for a worker. */
function busySeconds(inv: RunResult['invocation']): number {
  return Math.max(1e-9, (inv.durationMs - inv.waitingMs) / 1000)
}

export function runJson(result: RunResult, config: RunConfig, db: string, scenario: string) {
  const secs = busySeconds(result.invocation)
  return {
    runId: result.runId,
    db,
    scenario,
    config,
    rounds: result.rounds,
    summary: result.summary,
    /** The whole run's agent-steps (a resumed run counts the rounds before it too). */
    agentSteps: result.agentSteps,
    stopped: result.stopped,
    /** This command's own share: where it started, what it ran, how long it took. */
    invocation: {
      fromRound: result.invocation.fromRound,
      agentSteps: result.invocation.agentSteps,
      durationMs: Math.round(result.invocation.durationMs),
      /** Part of durationMs spent waiting for a worker (distributed runs); not counted in agentStepsPerSecond. */
      waitingMs: Math.round(result.invocation.waitingMs),
      agentStepsPerSecond: Math.round(result.invocation.agentSteps / secs),
    },
    /** Hybrid runs: the shadow audit, the cost projected at share 1, the model-backed vs surrogate-backed groups. */
    hybrid: hybridOf(config, db, result.runId),
  }
}

/** Exit status of a run stopped by Ctrl-C before its last round (the shell's 128 + SIGINT). */
export const STOPPED_EXIT_CODE = 130

/**
 * Prints a finished run as a table (people) or one JSON object (scripts). A run stopped
 * early by Ctrl-C sets exit status 130, so scripts see it did not finish.
 */
export function printRunResult(result: RunResult, config: RunConfig, db: string, scenario: string, json: boolean): void {
  if (result.stopped) process.exitCode = STOPPED_EXIT_CODE
  if (json) {
    process.stdout.write(JSON.stringify(runJson(result, config, db, scenario)) + '\n')
    return
  }
  const inv = result.invocation
  const secs = busySeconds(inv)
  const waited = inv.waitingMs >= 1000 ? ` (and ${(inv.waitingMs / 1000).toFixed(1)} s waiting for workers)` : ''
  const h = hybridOf(config, db, result.runId)
  const hybridLines = h && h.cost.total.modelCalls === 0
    ? [`every agent on the distilled surrogate${h.profile ? ` (profile ${h.profile.hash.slice(0, 12)} from ${h.profile.sourceRun})` : ''}`, '']
    : h
    ? [
        `hybrid: ${h.modelAgents ?? 'all'} agents on the model${h.profile ? `, the rest on profile ${h.profile.hash.slice(0, 12)}` : ''}; model tokens ${h.cost.total.tokens.toLocaleString('en-US')} of ${h.cost.total.projectedTokens.toLocaleString('en-US')} at share 1` +
          (h.cost.total.tokenShare !== null ? ` (${(h.cost.total.tokenShare * 100).toFixed(1)} %)` : ''),
        ...h.warnings.map((w) => `! ${w}`),
        '',
      ]
    : []
  const resumed = inv.fromRound > 0 ? ` (this command ran rounds ${inv.fromRound}–${config.rounds - 1})` : ''
  process.stdout.write(
    [
      `run ${result.runId}  (${scenario}, policy ${config.policy}, ${config.agents.toLocaleString('en-US')} agents × ${config.rounds} rounds, seed ${config.seed})`,
      '',
      roundsTable(result.rounds),
      '',
      summaryTable(result.summary),
      '',
      ...hybridLines,
      `${inv.agentSteps.toLocaleString('en-US')} agent-steps in ${secs.toFixed(1)} s (${Math.round(inv.agentSteps / secs).toLocaleString('en-US')}/s)${waited}${resumed}${result.stopped ? ', stopped early' : ''}; stored in ${db}`,
      `see it again: npx usersim show ${result.runId} --db ${db}`,
      '',
    ].join('\n'),
  )
}
