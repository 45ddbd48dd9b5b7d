import {
  agentRng,
  packRows,
  rngFor,
  mix32,
  SimError,
  violatesHardDislike,
  type AgentState,
  type OutcomeRow,
  type AgentError,
  type ShardInput,
  type ShardResult,
  type RecordingTaskRunner,
  type TaskDef,
} from '../core/index.ts'
import { intraListDiversity, ndcgAgainstOracle, novelty } from '../metrics/index.ts'
import type { ShardEnv } from './shard-env.ts'

/** Is this agent in the seeded NDCG sample (rate = sample / agents). */
export function inNdcgSample(seed: number, agent: number, sample: number, agents: number): boolean {
  if (sample >= agents) return true
  return mix32(agent ^ mix32(seed ^ 0x5bd1e995)) / 4294967296 < sample / agents
}

/**
 * Runs one round for a range of agents: recommend, step, measure. The same function
 * serves the in-process threads and the BullMQ workers; it depends only on its inputs.
 */
export async function runShard(
  env: ShardEnv,
  snapshot: unknown,
  input: ShardInput,
  tasks: RecordingTaskRunner,
  options: { concurrency?: number } = {},
): Promise<ShardResult> {
  const { config, scenario, catalog, index, policy } = env
  const { seed } = config
  const n = input.end - input.start
  const prior = decodeStates(env, input)
  const rows = new Array<OutcomeRow>(n)
  const states = new Array<AgentState>(n)
  const errors: AgentError[] = []
  const taskCounts: Record<string, number> = {}
  const recCtx = { catalog, round: input.round, truth: { utility: env.utility } }

  const stepOne = async (k: number) => {
    const agent = input.start + k
    const state = prior[k]!
    const persona = env.persona(agent)
    const present = env.scenario.agent.visit({ persona, state, round: input.round, rng: agentRng(seed, agent, input.round, 'visit') })
    const empty: OutcomeRow = {
      agent, round: input.round, present: false, returned: false, slate: [], clicks: [], ratings: [],
      satisfaction: state.satisfaction, left: false, ndcg: Number.NaN, ild: Number.NaN, novelty: Number.NaN,
      violations: 0, utterances: [],
    }
    if (!present) {
      rows[k] = empty
      states[k] = state
      return
    }
    const history = state.memory.recent
    const calls = new Map<string, number>()
    const task = <I, O>(def: TaskDef<I, O>, taskInput: I) => {
      const call = calls.get(def.name) ?? 0
      calls.set(def.name, call + 1)
      taskCounts[def.name] = (taskCounts[def.name] ?? 0) + 1
      return tasks.run(def, taskInput, { runSeed: seed, agent, round: input.round, call })
    }
    const rec = await policy.recommend(
      snapshot,
      { id: agent, history, utterances: state.lastUtterances ?? [], memory: state.policyMemory },
      config.slate,
      agentRng(seed, agent, input.round, 'policy'),
      { ...recCtx, task },
    )
    const slate = Array.isArray(rec) ? rec : rec.items
    const policyMemory = Array.isArray(rec) ? state.policyMemory : rec.memory
    const message = Array.isArray(rec) ? undefined : rec.message
    const treatment = Array.isArray(rec) ? undefined : rec.treatment
    checkSlate(slate, config.slate, catalog.items.length, policy.name, agent)
    const utility = env.truthFor(agent)
    try {
      const outcome = await scenario.agent.step({
        persona,
        state,
        round: input.round,
        rng: agentRng(seed, agent, input.round, 'agent'),
        slate,
        catalog,
        returned: !state.present,
        truth: { utility },
        message,
        treatment,
        task,
      })
      const cp = env.compiled(agent)
      let violations = 0
      for (const c of outcome.clicks) if (violatesHardDislike(cp, index, c)) violations++
      rows[k] = {
        agent,
        round: input.round,
        present: true,
        returned: outcome.returned,
        slate,
        clicks: outcome.clicks,
        ratings: outcome.ratings,
        satisfaction: outcome.satisfaction,
        left: outcome.left,
        ndcg: inNdcgSample(seed, agent, config.ndcgSample, config.agents)
          ? ndcgAgainstOracle(utility, catalog.items.length, slate, history, env.ideal(agent))
          : Number.NaN,
        ild: intraListDiversity(index, slate),
        novelty: novelty(index, slate),
        violations,
        utterances: outcome.utterances,
      }
      const next = { ...outcome.state }
      if (policyMemory !== undefined) next.policyMemory = policyMemory
      else delete next.policyMemory
      if (outcome.utterances.length) next.lastUtterances = outcome.utterances
      else delete next.lastUtterances
      states[k] = next
    } catch (err) {
      if ((err as { code?: string }).code === 'LLM_AUTH' || (err as { code?: string }).code === 'LLM_MODEL_NOT_FOUND') throw err
      errors.push({ agent, round: input.round, message: (err as Error).message ?? String(err) })
      rows[k] = { ...empty, present: true, slate, ild: intraListDiversity(index, slate), novelty: novelty(index, slate) }
      states[k] = state
    }
  }

  const concurrency = Math.max(1, options.concurrency ?? 1)
  if (concurrency === 1) {
    for (let k = 0; k < n; k++) await stepOne(k)
  } else {
    let next = 0
    await Promise.all(
      Array.from({ length: Math.min(concurrency, n) }, async () => {
        while (next < n) await stepOne(next++)
      }),
    )
  }
  let awayBefore = 0
  for (const s of prior) if (!s.present) awayBefore++
  return {
    runId: input.runId,
    round: input.round,
    shard: input.shard,
    start: input.start,
    end: input.end,
    rows: packRows(rows, input.round, input.start, config.slate),
    states: JSON.stringify(states),
    awayBefore,
    errors,
    taskCounts,
    calls: tasks.drain(),
  }
}

/** Parses a shard's states, or builds the initial ones (seeded per agent). */
export function decodeStates(env: ShardEnv, input: ShardInput): AgentState[] {
  const n = input.end - input.start
  if (input.states === null) {
    return Array.from({ length: n }, (_, k) => {
      const a = input.start + k
      return env.scenario.agent.initialState(env.persona(a), rngFor(env.config.seed, a, 'init'))
    })
  }
  let states: unknown
  try {
    states = JSON.parse(input.states)
  } catch (err) {
    throw new SimError('DATA_INVALID', `shard ${input.shard} of round ${input.round}: states are not valid JSON`, { cause: err })
  }
  if (!Array.isArray(states) || states.length !== n) {
    throw new SimError('DATA_INVALID', `shard ${input.shard} of round ${input.round}: expected ${n} agent states`)
  }
  return states as AgentState[]
}

function checkSlate(slate: number[], k: number, catalogSize: number, policy: string, agent: number): void {
  if (slate.length > k) throw new SimError('INTERNAL', `policy "${policy}" returned ${slate.length} items for agent ${agent}; the slate size is ${k}`)
  const seen = new Set<number>()
  for (const i of slate) {
    if (!Number.isInteger(i) || i < 0 || i >= catalogSize || seen.has(i)) {
      throw new SimError('INTERNAL', `policy "${policy}" returned an invalid or repeated item id ${i} for agent ${agent}`)
    }
    seen.add(i)
  }
}
