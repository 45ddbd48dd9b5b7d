import {
  clicksAt,
  isPresent,
  ratingsAt,
  rngFor,
  rowAt,
  slateAt,
  type AgentState,
  type Interaction,
  type OutcomeRow,
  type RunConfig,
  type ShardInput,
  type ShardResult,
} from '../core/index.ts'
import { computeRoundMetrics, gini, summarizeRun, type RoundMetrics, type RunSummary } from '../metrics/index.ts'
import type { RunStore } from '../store/index.ts'
import { testHold } from '../checkpoint/test-hold.ts'
import type { ShardExecutor } from './executor.ts'
import { createShardEnv, policyContext } from './shard-env.ts'
import { RunRecovery } from './run-recovery.ts'
import { resplitStates, type StatePart } from './state-parts.ts'

/** Progress and results as a run goes; the CLI draws its progress bar from these. */
export interface RunListener {
  onRunStart?(info: { runId: string; config: RunConfig; fromRound: number }): void
  onShardDone?(info: { round: number; shardsDone: number; shards: number; agentsDone: number }): void
  onRoundDone?(metrics: RoundMetrics): void
  /** After a round is committed; checkpoints hook in here. `round` is the round just done. */
  onRoundCommitted?(info: {
    round: number
    states: readonly StatePart[]
    policyState: unknown
    rounds: readonly RoundMetrics[]
    exposure: Float64Array
  }): void | Promise<void>
  /** After a checkpoint was written (see RecoverySettings for the cadence). */
  onCheckpoint?(info: { round: number; bytes: number; ms: number }): void
  /** A guard tripped: the round is rolled back and (if `replayed`) run again on the fallback. */
  onIntervention?(info: { round: number; guard: string; replayed: boolean }): void
}

/** Where a resumed or branched run picks up. */
export interface ResumePoint {
  /** The next round to run. */
  round: number
  /** Agent states as JSON parts covering [0, agents). */
  states: StatePart[]
  policyState: unknown
  /** Metrics of the rounds already done (for the run summary). */
  previous: RoundMetrics[]
  /** Cumulative impressions per item so far. */
  exposure: Float64Array
  /** A guard had switched the run to its fallback setting. */
  fallback?: boolean
}

export interface RunOptions {
  runId: string
  config: RunConfig
  store: RunStore
  executor: ShardExecutor
  /** Shards per round; results do not depend on it. */
  shards?: number
  listener?: RunListener
  resume?: ResumePoint
  /** Checked between rounds: return true to stop after the current round. */
  shouldStop?: () => boolean
  /** Builds the executor a tripped guard switches to (the run's fallback setting). */
  fallbackExecutor?: () => Promise<ShardExecutor>
}

export interface RunResult {
  runId: string
  rounds: RoundMetrics[]
  summary: RunSummary
  /** Agent-steps executed by this call (resumed rounds not included). */
  agentSteps: number
  durationMs: number
  stopped: boolean
}

/** Splits [0, agents) into contiguous ranges. */
export function shardRanges(agents: number, shards: number): Array<[number, number]> {
  const n = Math.max(1, Math.min(shards, agents))
  const size = Math.ceil(agents / n)
  const out: Array<[number, number]> = []
  for (let s = 0; s < agents; s += size) out.push([s, Math.min(agents, s + size)])
  return out
}

export function defaultShardCount(agents: number, parallelism: number): number {
  return Math.max(parallelism * 2, Math.ceil(agents / 2500))
}

/**
 * The round loop: snapshot the policy, run every shard, commit results idempotently,
 * measure, let the policy learn, repeat. The same loop drives threads and BullMQ.
 */
export async function runSimulation(opts: RunOptions): Promise<RunResult> {
  const { runId, config, store, listener } = opts
  const recovery = new RunRecovery(runId, config, store, opts.executor, opts.fallbackExecutor, listener)
  const started = performance.now()
  const env = await createShardEnv(config, 1)
  const pctx = policyContext(env)
  const catalogSize = env.catalog.items.length
  const ranges = shardRanges(config.agents, opts.shards ?? defaultShardCount(config.agents, 2))

  let parts: StatePart[]
  let policyState: unknown
  let fromRound: number
  const rounds: RoundMetrics[] = []
  let exposure: Float64Array
  if (opts.resume) {
    parts = resplitStates(opts.resume.states, ranges)
    policyState = opts.resume.policyState
    fromRound = opts.resume.round
    rounds.push(...opts.resume.previous)
    exposure = Float64Array.from(opts.resume.exposure)
  } else {
    parts = ranges.map(([start, end]) => ({ start, end, states: null }))
    policyState = env.policy.init(pctx)
    fromRound = 0
    exposure = new Float64Array(catalogSize)
  }
  if (opts.resume?.fallback) await recovery.useFallback()
  listener?.onRunStart?.({ runId, config, fromRound })
  let stopped = false
  let agentSteps = 0

  try {
    for (let round = fromRound; round < config.rounds; round++) {
      const t0 = performance.now()
      store.startRound(runId, round)
      const snapshot = env.policy.snapshot(policyState as never)
      const inputs: ShardInput[] = parts.map((p, shard) => ({ runId, round, shard, start: p.start, end: p.end, states: p.states }))
      let shardsDone = 0
      let agentsDone = 0
      const results = await recovery.executor.runRound(round, snapshot, inputs, (r) => {
        // Commit as results arrive: memory stays flat and a crash loses only open shards.
        store.commitShard(runId, r)
        // Call records are stored now: keep only what the round's guards count, not prompts and outputs.
        r.calls = r.calls.map(({ task, agent, round: rd, outcome }) => ({ task, agent, round: rd, outcome }))
        shardsDone++
        agentsDone += r.end - r.start
        testHold(`shard:${round}:${shardsDone}`)
        listener?.onShardDone?.({ round, shardsDone, shards: inputs.length, agentsDone })
      })
      results.sort((a, b) => a.shard - b.shard)
      const batches = results.map((r) => r.rows)

      let errors = 0
      let awayBefore = 0
      for (const r of results as ShardResult[]) {
        errors += r.errors.length
        awayBefore += r.awayBefore
      }
      const custom: Record<string, number> = {}
      const metricFns = Object.entries(env.scenario.metrics ?? {})
      if (metricFns.length) {
        const rows: OutcomeRow[] = []
        for (const b of batches) for (let k = 0; k < b.count; k++) rows.push(rowAt(b, k))
        const states: AgentState[] = []
        for (const r of results) states.push(...(JSON.parse(r.states) as AgentState[]))
        for (const [name, fn] of metricFns) custom[name] = fn(rows, { round, catalog: env.catalog, states })
      }
      const metrics = computeRoundMetrics(batches, { round, catalogSize, awayBefore, errors, custom })

      // A round that trips a guard is rolled back and replayed on the fallback setting.
      if (await recovery.rejectsRound(round, results, metrics)) {
        round--
        continue
      }

      const interactions: Interaction[] = []
      for (const b of batches) {
        for (let k = 0; k < b.count; k++) {
          if (!isPresent(b, k)) continue
          const slate = slateAt(b, k)
          for (const i of slate) exposure[i]! += 1
          interactions.push({ agent: b.start + k, slate, clicks: clicksAt(b, k), ratings: ratingsAt(b, k) })
        }
      }
      policyState = env.policy.learn(policyState as never, { round, interactions }, { ...pctx, rng: rngFor(config.seed, 'learn', round) })
      parts = results.map((r) => ({ start: r.start, end: r.end, states: r.states }))
      agentSteps += metrics.agents

      store.finishRound(runId, round, metrics, performance.now() - t0)
      rounds.push(metrics)
      listener?.onRoundDone?.(metrics)
      testHold(`round:${round}`)
      // Let signal handlers (Ctrl-C asks to stop) run: an in-thread round may never yield.
      await new Promise((resolve) => setImmediate(resolve))
      const stopping = round + 1 < config.rounds && opts.shouldStop?.() === true
      recovery.checkpoint(round, { states: parts, policyState, rounds, exposure }, stopping)
      await listener?.onRoundCommitted?.({ round, states: parts, policyState, rounds, exposure })
      if (stopping) {
        stopped = true
        break
      }
    }
  } finally {
    await recovery.close()
  }

  let covered = 0
  for (const e of exposure) if (e > 0) covered++
  const summary = summarizeRun(rounds, covered / catalogSize, gini(exposure))
  store.setRunSummary(runId, summary)
  store.setRunStatus(runId, stopped ? 'interrupted' : 'finished')
  return { runId, rounds, summary, agentSteps, durationMs: performance.now() - started, stopped }
}
