import {
  canonicalOrder,
  clicksAt,
  interactionAt,
  isPresent,
  messagesSchema,
  routeMessages,
  ratingsAt,
  rngFor,
  rowAt,
  SimError,
  slateAt,
  type Interaction,
  type Message,
  type OutcomeRow,
  type Persona,
  type ShardInput,
  type ShardResult,
} from '../core/index.ts'
import type { RunConfig } from '../config/index.ts'
import type { LlmSettings } from '../llm/settings.ts'
import { computeRoundMetrics, gini, summarizeRun, type RoundMetrics, type RunSummary } from '../metrics/index.ts'
import { roundInteractions, type RunStore } from '../store/index.ts'
import type { AgentRecord } from './agent-record.ts'
import type { ShardExecutor } from './executor.ts'
import { RoundLoopBus, type RoundLoop, type RunExtension } from './round-loop.ts'
import { createShardEnv, policyContext } from './shard-env.ts'
import { checkAgentErrors } from './agent-error-limit.ts'
import { resplitStates, type StatePart } from './state-parts.ts'
import { applyWarmStart, summarizeWarmStart, warmStartFeedback, warmStartLog } from './warm-start.ts'

/** Where a resumed or branched run picks up. */
export interface ResumePoint {
  /** The next round to run. */
  round: number
  /** Agent records as JSON parts covering [0, agents). */
  states: StatePart[]
  policyState: unknown
  /** Metrics of the rounds already done (for the run summary). */
  previous: RoundMetrics[]
  /** Cumulative impressions per item so far. */
  exposure: Float64Array
  /** Run-level facts saved with the checkpoint (RoundLoop.resumedFacts). */
  facts?: Record<string, unknown>
}

export interface RunOptions {
  runId: string
  config: RunConfig
  store: RunStore
  executor: ShardExecutor
  /** Shards per round; results do not depend on it. */
  shards?: number
  resume?: ResumePoint
  /** Checked between rounds: return true to stop after the current round. */
  shouldStop?: () => boolean
  /** Features plugged into the loop (checkpoints, guards, progress, ...). */
  extensions?: readonly RunExtension[]
  /** Starts executors like the run's on other task settings (what RoundLoop.startExecutor does). */
  startExecutor?: (llm: LlmSettings) => Promise<ShardExecutor>
}

export interface RunResult {
  runId: string
  /** Metrics of every round of the run (resumed rounds included). */
  rounds: RoundMetrics[]
  summary: RunSummary
  /** Agent-steps of the whole run (resumed rounds included). */
  agentSteps: number
  stopped: boolean
  /** What this call did: a resume starts at a later round than 0. */
  invocation: {
    fromRound: number
    /** Agent-steps this call executed. */
    agentSteps: number
    /** Wall time of this call, from the first round it ran. */
    durationMs: number
    /** Of that, time shards waited for a worker to take them (distributed runs); throughput leaves it out. */
    waitingMs: number
  }
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
 * measure, let the gates judge the round, let the policy learn, repeat. The same loop
 * drives threads and BullMQ; features plug in through `extensions` (see RoundLoop).
 */
export async function runSimulation(opts: RunOptions): Promise<RunResult> {
  const { runId, config, store } = opts
  const started = performance.now()
  const env = await createShardEnv(config, 1)
  const pctx = policyContext(env)
  const catalogSize = env.catalog.items.length
  const ranges = shardRanges(config.agents, opts.shards ?? defaultShardCount(config.agents, 2))
  // Personas for the scenario's metrics, built when a metric first asks for them (they never change).
  const personaCache: Persona[] = []
  const personaOf = (agent: number) => (personaCache[agent] ??= env.persona(agent))

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
    // Warm start: before round 0 the policy learns from the scenario's history (or a burn-in
    // log) through its own `learn`. Its state after that is what every checkpoint carries on.
    const warm = warmStartLog(env, config)
    if (warm) {
      if (!env.policy.open) policyState = await applyWarmStart(env.policy, policyState, warm, pctx)
      store.setWarmStart(runId, summarizeWarmStart(config.warmStart, warm))
    }
    fromRound = 0
    exposure = new Float64Array(catalogSize)
  }

  const bus = new RoundLoopBus()
  // Messages sent last round, delivered this round (supersteps); saved with each checkpoint.
  let mail = resumedMessages(opts.resume?.facts)
  bus.fact(MESSAGES_FACT, () => (mail.length ? mail : undefined))
  let executor = opts.executor
  const extraExecutors: ShardExecutor[] = []
  const loop: RoundLoop = {
    runId,
    config,
    store,
    fromRound,
    resumedFacts: opts.resume?.facts ?? {},
    on: (event, handler) => bus.on(event, handler),
    gate: (g) => void bus.gates.push(g),
    fact: (name, value) => bus.fact(name, value),
    get executor() {
      return executor
    },
    useExecutor: (e) => void (executor = e),
    startExecutor: async (llm) => {
      if (!opts.startExecutor) throw new SimError('INTERNAL', 'this run cannot start another executor (no startExecutor given to runSimulation)')
      const e = await opts.startExecutor(llm)
      extraExecutors.push(e)
      return e
    },
  }

  let stopped = false
  let executed = 0
  const waited = () => [opts.executor, ...extraExecutors].reduce((ms, e) => ms + (e.waitingMs?.() ?? 0), 0)
  const waitedBefore = waited()
  try {
    for (const ext of opts.extensions ?? []) await ext.attach(loop)
    // A policy that keeps its state outside this process (a server) rebuilds it from the rounds already done.
    if (env.policy.open) {
      // The warm-start log comes first (round −1): a server learns what an in-process policy learns.
      const warm = warmStartLog(env, config)
      const replay = async function* () {
        if (warm) yield warmStartFeedback(warm)
        for (let r = 0; r < fromRound; r++) yield { round: r, interactions: roundInteractions(store, runId, r) }
      }
      policyState = (await env.policy.open(policyState as never, { ...pctx, runId, fromRound, replay })) ?? policyState
    }
    await bus.emit('run:start', { runId, config, fromRound })
    for (let round = fromRound; round < config.rounds; round++) {
      const t0 = performance.now()
      store.startRound(runId, round)
      const snapshot = env.policy.snapshot(policyState as never)
      const inboxes = mail.length ? routeMessages(mail, parts.map((p) => [p.start, p.end] as const)) : undefined
      const inputs: ShardInput[] = parts.map((p, shard) => {
        const input: ShardInput = { runId, round, shard, start: p.start, end: p.end, states: p.states }
        if (inboxes?.[shard]?.length) input.inbox = inboxes[shard]
        return input
      })
      let shardsDone = 0
      let agentsDone = 0
      const results = await executor.runRound(round, snapshot, inputs, (r) => {
        // Commit as results arrive: memory stays flat and a crash loses only open shards.
        store.commitShard(runId, r)
        // Call records are stored now: keep only what the round's gates count, not prompts and outputs.
        r.calls = r.calls.map(({ task, agent, round: rd, outcome }) => ({ task, agent, round: rd, outcome }))
        shardsDone++
        agentsDone += r.end - r.start
        bus.emitSync('shard:committed', { round, shard: r.shard, shardsDone, shards: inputs.length, agentsDone })
      })
      results.sort((a, b) => a.shard - b.shard)
      const metrics = measureRound(env, round, results, catalogSize, personaOf)

      // A gate may reject the round: its rows go, and it runs again (on the executor the gate chose).
      let verdict: 'accept' | 'replay' = 'accept'
      for (const gate of bus.gates) if ((await gate({ round, results, metrics })) === 'replay') verdict = 'replay'
      if (verdict === 'replay') {
        store.deleteRoundsAfter(runId, round - 1)
        round--
        continue
      }

      const interactions: Interaction[] = []
      for (const r of results) {
        const b = r.rows
        for (let k = 0; k < b.count; k++) {
          if (!isPresent(b, k)) continue
          const slate = slateAt(b, k)
          for (const i of slate) exposure[i]! += 1
          interactions.push(interactionAt(b, k))
        }
      }
      policyState = await env.policy.learn(policyState as never, { round, interactions }, { ...pctx, rng: rngFor(config.seed, 'learn', round) })
      parts = results.map((r) => ({ start: r.start, end: r.end, states: r.states }))
      mail = canonicalOrder(results.flatMap((r) => r.messages ?? []))
      executed += metrics.agents

      store.finishRound(runId, round, metrics, performance.now() - t0)
      rounds.push(metrics)
      checkAgentErrors(store, runId, rounds, config.recovery.maxAgentErrors)
      await bus.emit('round:done', { round, metrics })
      // Let signal handlers (Ctrl-C asks to stop) run: an in-thread round may never yield.
      await new Promise((resolve) => setImmediate(resolve))
      const stopping = round + 1 < config.rounds && opts.shouldStop?.() === true
      await bus.emit('round:committed', { round, states: parts, policyState, rounds, exposure, stopping, facts: bus.facts() })
      if (stopping) {
        stopped = true
        break
      }
    }
  } finally {
    await Promise.all(extraExecutors.map((e) => e.close()))
  }

  let covered = 0
  for (const e of exposure) if (e > 0) covered++
  const summary = summarizeRun(rounds, covered / catalogSize, gini(exposure))
  store.setRunSummary(runId, summary)
  const status = stopped ? 'interrupted' : 'finished'
  store.setRunStatus(runId, status)
  await bus.emit('run:end', { runId, status, summary })
  const agentSteps = rounds.reduce((n, m) => n + m.agents, 0)
  return { runId, rounds, summary, agentSteps, stopped, invocation: { fromRound, agentSteps: executed, durationMs: performance.now() - started, waitingMs: waited() - waitedBefore } }
}

/** The run fact under which a checkpoint keeps the messages still to be delivered. */
export const MESSAGES_FACT = 'messages'

function resumedMessages(facts: Record<string, unknown> | undefined): Message[] {
  const saved = facts?.[MESSAGES_FACT]
  if (saved === undefined) return []
  const parsed = messagesSchema.safeParse(saved)
  if (!parsed.success) throw new SimError('CHECKPOINT_CONFLICT', `the checkpoint's undelivered messages are not valid: ${parsed.error.issues[0]?.message ?? 'bad shape'}`)
  return parsed.data
}

/** The round's metrics: built-in sums in agent order, plus the scenario's own. */
function measureRound(env: Awaited<ReturnType<typeof createShardEnv>>, round: number, results: readonly ShardResult[], catalogSize: number, personaOf: (agent: number) => Persona): RoundMetrics {
  let errors = 0
  let awayBefore = 0
  for (const r of results) {
    errors += r.errors.length
    awayBefore += r.awayBefore
  }
  const batches = results.map((r) => r.rows)
  const custom: Record<string, number> = {}
  const metricFns = [...Object.entries(env.scenario.metrics ?? {}), ...Object.entries(env.policy.metrics ?? {})]
  if (metricFns.length) {
    const rows: OutcomeRow[] = []
    for (const b of batches) for (let k = 0; k < b.count; k++) rows.push(rowAt(b, k))
    const states: unknown[] = []
    const policyMemory: unknown[] = []
    for (const r of results) {
      for (const rec of JSON.parse(r.states) as AgentRecord[]) {
        states.push(rec.state)
        policyMemory.push(rec.policyMemory)
      }
    }
    let personas: Persona[] | undefined
    const ctx = {
      round,
      catalog: env.catalog,
      states,
      policyMemory,
      persona: personaOf,
      get personas(): readonly Persona[] {
        return (personas ??= rows.map((r) => personaOf(r.agent)))
      },
    }
    for (const [name, fn] of metricFns) custom[name] = fn(rows, ctx)
  }
  return computeRoundMetrics(batches, { round, catalogSize, awayBefore, errors, custom })
}
