import { createHash } from 'node:crypto'
import { rngFor, SimError, type Interaction } from '../core/index.ts'
import type { RunConfig } from '../config/index.ts'
import { loadCheckpoint, writeCheckpoint, type CheckpointData } from '../checkpoint/checkpoint-repo.ts'
import { buildRunConfig, createRunRow, recordFailure, createShardEnv, newRunId, policyContext, type RunResult, type ShardEnv } from '../runner/index.ts'
import { readingStore, roundInteractions, RunStore } from '../store/index.ts'
import { continueRun, resumePointOf, type ContinueOptions } from './continue-run.ts'

export interface BranchOverrides {
  policy?: string
  /** Scenario parameters (`--set key=value`); must not change the catalog or the population. */
  params?: Record<string, unknown>
  /** Policy options (`--set policy.key=value`). */
  policyOptions?: Record<string, unknown>
  /** A new total number of rounds (more than the branch round). */
  rounds?: number
  runId?: string
}

export interface BranchOutcome {
  runId: string
  parentRun: string
  parentRound: number
  config: RunConfig
  scenario: string
  /** The new policy learned the shared history afresh (policy or its options changed). */
  warmStarted: boolean
  result: RunResult
}

/**
 * Starts a new run that shares its parent's history up to the end of `round` (rows are
 * copied, so each run stands alone) and then diverges: the counterfactual "what if we had
 * switched the policy after round N". A new policy is warm-started by learning the shared
 * rounds in order, as if it had been there from the start.
 *
 * @example
 * await branchRun('usersim.db', 'feed-20260101-120000-ab12', 4, { policy: 'bpr' }, { threads: 2, extensions: defaultExtensions() })
 */
export async function branchRun(db: string, parentId: string, round: number, o: BranchOverrides, opts: ContinueOptions): Promise<BranchOutcome> {
  const store = readingStore(db, `run "${parentId}"`, () => new RunStore(db, { mustExist: true }))
  try {
    const parent = store.getRun(parentId)
    const p = parent.config
    const rounds = o.rounds ?? p.rounds
    if (round < 0 || round >= rounds - 1) {
      throw new SimError('USAGE', `--at-round must be between 0 and ${rounds - 2} so that the branch has rounds of its own (got ${round})`)
    }
    const cp = readingStore(db, `the checkpoint of round ${round}`, () => loadCheckpoint(store, parentId, round))!
    const samePolicy = o.policy === undefined || o.policy === p.policy
    const { config: built, scenario } = await buildRunConfig(p.scenario, {
      agents: p.agents,
      rounds,
      slate: p.slate,
      seed: p.seed,
      catalogSize: p.catalogSize,
      ndcgSample: p.ndcgSample,
      policy: o.policy ?? p.policy,
      params: { ...p.params, ...o.params },
      policyOptions: samePolicy ? { ...p.policyOptions, ...o.policyOptions } : (o.policyOptions ?? {}),
    })
    // The branch keeps its parent's recovery and model settings.
    const config: RunConfig = { ...built, recovery: p.recovery, llm: p.llm }
    const [penv, env] = await Promise.all([createShardEnv(p, 3), createShardEnv(config, 3)])
    if (worldHash(penv) !== worldHash(env)) {
      throw new SimError('USAGE', `the --set values change the catalog or the population of run "${parentId}"; a branch must share its parent's world (start a new run instead)`)
    }

    const keepState = samePolicy && JSON.stringify(config.policyOptions) === JSON.stringify(p.policyOptions)
    const runId = o.runId ?? newRunId(scenario.name)
    createRunRow(store, runId, scenario.name, config, { run: parentId, round })
    let start: CheckpointData
    try {
      const policyState = keepState ? cp.policyState : await warmStart(store, parentId, env, round)
      start = { ...cp, config, policyState, extra: {} }
      store.copyHistory(parentId, runId, round)
      // The branch point is the branch's first checkpoint: it can be resumed or rolled back to.
      writeCheckpoint(store, runId, start, config.recovery.keepCheckpoints)
    } catch (err) {
      recordFailure(store, runId, err)
      store.releaseLease(runId)
      throw err
    }
    const result = await continueRun(store, runId, config, resumePointOf(start), opts)
    return { runId, parentRun: parentId, parentRound: round, config, scenario: scenario.name, warmStarted: !keepState, result }
  } finally {
    store.close()
  }
}

/** A new policy's state after learning the parent's rounds 0..round from the stored events. */
async function warmStart(store: RunStore, parentId: string, env: ShardEnv, round: number): Promise<unknown> {
  const pctx = policyContext(env)
  let state = env.policy.init(pctx)
  // A policy served elsewhere rebuilds itself when the branch opens it (it replays the shared rounds).
  if (env.policy.open) return state
  for (let r = 0; r <= round; r++) {
    const interactions: Interaction[] = roundInteractions(store, parentId, r)
    state = await env.policy.learn(state as never, { round: r, interactions }, { ...pctx, rng: rngFor(env.config.seed, 'learn', r) })
  }
  return state
}

/** A fingerprint of the world (catalog and sampled personas) two configurations build. */
function worldHash(env: ShardEnv): string {
  const h = createHash('sha256').update(JSON.stringify(env.catalog.items))
  const n = env.config.agents
  for (const a of [0, Math.floor(n / 2), n - 1]) h.update(JSON.stringify(env.persona(a)))
  return h.digest('hex')
}
