import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RecordingTaskRunner, TaskCallMeta, TaskDef } from '../../src/core/index.ts'
import { type RunConfig } from '../../src/config/index.ts'
import { listInterventions } from '../../src/correction/corrections-repo.ts'
import { guardsExtension } from '../../src/correction/guards-extension.ts'
import { checkpointExtension } from '../../src/checkpoint/checkpoint-extension.ts'
import { buildRunConfig, inlineExecutor, runSimulation, type ShardExecutor } from '../../src/runner/index.ts'
import { surrogateRunner } from '../../src/llm/surrogate-runner.ts'
import { RunStore } from '../../src/store/index.ts'
import { loadCheckpoint } from '../../src/checkpoint/checkpoint-repo.ts'

const dir = mkdtempSync(join(tmpdir(), 'usersim-guard-'))

/** A backend that fails for every third agent (a model having a bad day). */
function faultyExecutor(config: RunConfig): ShardExecutor {
  const good = surrogateRunner()
  const tasks: RecordingTaskRunner = {
    run<I, O>(task: TaskDef<I, O>, input: I, meta: TaskCallMeta): Promise<O> {
      if (meta.agent % 3 === 0) return Promise.reject(new Error('model returned garbage'))
      return good.run(task, input, meta)
    },
    drain: () => [],
  }
  return inlineExecutor(config, { tasks })
}

async function run(db: string, config: RunConfig, executor: ShardExecutor, fallback?: () => Promise<ShardExecutor>) {
  const store = new RunStore(db)
  const runId = 'r1'
  store.createRun({ id: runId, scenario: 'feed', config, seed: config.seed, versions: {}, status: 'running', createdAt: new Date().toISOString(), parentRun: null, parentRound: null })
  try {
    const result = await runSimulation({ runId, config, store, executor, shards: 3, extensions: [checkpointExtension(), guardsExtension({ fallback: fallback ?? null })] })
    const errors = store.db.prepare('SELECT count(*) FROM agent_errors WHERE run_id = ?').pluck().get(runId) as number
    return { result, hash: store.eventsHash(runId), interventions: listInterventions(store.db, runId), errors, checkpoint: loadCheckpoint(store, runId) }
  } finally {
    store.close()
  }
}

describe('run-level guards', () => {
  it('a round whose fault rate exceeds the threshold is rolled back and the run finishes on the fallback', async () => {
    const { config } = await buildRunConfig('feed', { agents: 150, rounds: 3, catalogSize: 300, seed: 11, recovery: { guards: { maxErrorShare: 0.1, fallback: 'surrogate' } } })
    const guarded = await run(join(dir, 'guarded.db'), config, faultyExecutor(config), async () => inlineExecutor(config))
    // Round 0 tripped (a third of the agents failed), was replayed on the surrogate, and the run stayed there.
    expect(guarded.interventions).toHaveLength(1)
    expect(guarded.interventions[0]).toMatchObject({ round: 0, guard: 'error-share', action: expect.stringMatching(/rolled back.*fallback/) })
    expect(guarded.interventions[0]!.detail.value).toBeCloseTo(50 / 150, 3)
    expect(guarded.errors).toBe(0)
    expect(guarded.checkpoint!.extra.fallback).toBe(true)
    // Same events as a run that used the surrogate from the start: nothing of the faulty round is left.
    const clean = await run(join(dir, 'clean.db'), config, inlineExecutor(config))
    expect(guarded.hash).toBe(clean.hash)
    expect(guarded.result.rounds).toEqual(clean.result.rounds)
  }, 60_000)

  it('without a fallback the trip is recorded and the round kept', async () => {
    // The run tolerates any share of failed steps here (maxAgentErrors: 1): the guard alone is under test.
    const { config } = await buildRunConfig('feed', { agents: 60, rounds: 2, catalogSize: 300, seed: 11, recovery: { maxAgentErrors: 1, guards: { maxErrorShare: 0.1 } } })
    const r = await run(join(dir, 'nofallback.db'), config, faultyExecutor(config))
    expect(r.interventions.map((i) => [i.round, i.action])).toEqual([
      [0, 'kept: no fallback configured'],
      [1, 'kept: no fallback configured'],
    ])
    expect(r.errors).toBeGreaterThan(0)
  }, 60_000)

  it('a metric outside its band trips the guard; a fallback that does not help is recorded and kept', async () => {
    const { config } = await buildRunConfig('feed', { agents: 60, rounds: 2, catalogSize: 300, seed: 11, recovery: { guards: { metrics: { ctr: [0.9, 1] } } } })
    const r = await run(join(dir, 'band.db'), config, inlineExecutor(config), async () => inlineExecutor(config))
    expect(r.interventions.map((i) => [i.round, i.guard, i.action])).toEqual([
      [0, 'metric:ctr', 'rolled back the round and replayed it on the fallback'],
      [0, 'metric:ctr', 'kept: already on the fallback'],
      [1, 'metric:ctr', 'kept: already on the fallback'],
    ])
  }, 60_000)
})
