import {
  agentRng,
  currentNeighbours,
  errorInfo,
  mix32,
  packRows,
  SimError,
  violatesHardDislike,
  EMPTY_ANCHORS,
  type AgentError,
  type Message,
  type OutcomeRow,
  type Recommendation,
  type SearchRequest,
  type ShardInput,
  type TaskDef,
  type TaskRunner,
  type UserView,
} from '../core/index.ts'
import { intraListDiversity, ndcgAgainstOracle, novelty } from '../metrics/index.ts'
import { deliver, outgoing } from './agent-messages.ts'
import { initialRecord, parseRecords, type AgentRecord } from './agent-record.ts'
import type { ShardEnv } from './shard-env.ts'
import { describeThrown } from './user-code.ts'

/** Is this agent in the seeded NDCG sample (rate = sample / agents). */
export function inNdcgSample(seed: number, agent: number, sample: number, agents: number): boolean {
  if (sample >= agents) return true
  return mix32(agent ^ mix32(seed ^ 0x5bd1e995)) / 4294967296 < sample / agents
}

/** What one shard's agents did in one round, before the host adds call records and extras. */
export interface ShardSteps {
  rows: ReturnType<typeof packRows>
  /** The agents' records after the round, JSON (see ShardInput.states). */
  states: string
  awayBefore: number
  errors: AgentError[]
  taskCounts: Record<string, number>
  /** Messages the agents sent, by sender (absent when none were sent). */
  messages?: Message[]
}

/**
 * Runs one round for a range of agents: recommend, step, measure. The shard host runs it
 * the same way in this thread, in shard threads and on BullMQ workers; it depends only on
 * its inputs.
 */
export async function runShard(env: ShardEnv, snapshot: unknown, input: ShardInput, tasks: TaskRunner, options: { concurrency?: number } = {}): Promise<ShardSteps> {
  const { config, scenario, catalog, index, policy } = env
  const agentDef = scenario.agent
  const { seed } = config
  const n = input.end - input.start
  const prior = decodeRecords(env, input)
  const graph = env.socialGraph()
  const inboxes = deliver(input, prior)
  const sent: Array<Message[] | undefined> = new Array(n)
  const rows = new Array<OutcomeRow>(n)
  const next = new Array<AgentRecord>(n)
  const errors: AgentError[] = []
  const taskCounts: Record<string, number> = {}
  const recCtx = { catalog, round: input.round, truth: { utility: env.utility } }

  const visits = (k: number) => {
    const agent = input.start + k
    const rec = prior[k]!
    return agentDef.visit({ persona: env.persona(agent), state: rec.state, present: rec.present, round: input.round, rng: agentRng(seed, agent, input.round, 'visit') })
  }
  // Friends now, computed once per agent and round (the policy and the step both see them).
  const friends = new Array<number[] | undefined>(n)
  const friendsOf = (k: number): number[] => (friends[k] ??= currentNeighbours(graph, input.start + k, prior[k]!.links))
  // Each agent's task calls are numbered across its request and its step (seeding depends on it).
  const taskFns = new Map<number, <I, O>(def: TaskDef<I, O>, taskInput: I) => Promise<O>>()
  const taskFor = (k: number) => {
    let fn = taskFns.get(k)
    if (!fn) {
      const agent = input.start + k
      const calls = new Map<string, number>()
      fn = <I, O>(def: TaskDef<I, O>, taskInput: I) => {
        const call = calls.get(def.name) ?? 0
        calls.set(def.name, call + 1)
        taskCounts[def.name] = (taskCounts[def.name] ?? 0) + 1
        return tasks.run(def, taskInput, { runSeed: seed, agent, round: input.round, call })
      }
      taskFns.set(k, fn)
    }
    return fn
  }
  // A searching user's request comes before the policy answers it.
  const requests = new Map<number, SearchRequest>()
  const requestOf = async (k: number) => {
    if (!agentDef.request) return
    const agent = input.start + k
    const req = await agentDef.request({ persona: env.persona(agent), state: prior[k]!.state, round: input.round, rng: agentRng(seed, agent, input.round, 'request'), catalog, task: taskFor(k) })
    if (req) requests.set(k, req)
  }
  const viewOf = (k: number): UserView => {
    const rec = prior[k]!
    const view: UserView = { id: input.start + k, history: agentDef.history(rec.state), utterances: rec.said ?? [], memory: rec.policyMemory }
    if (graph) view.friends = friendsOf(k)
    const req = requests.get(k)
    if (req) view.search = { query: req.query, reformulation: req.reformulation, anchors: EMPTY_ANCHORS }
    const trial = agentDef.trial?.(rec.state)
    if (trial) view.trial = trial
    return view
  }
  const concurrency = Math.max(1, options.concurrency ?? 1)

  // A policy that recommends in batches (one served over the network) is asked once for
  // every present agent of the shard, before the agents step.
  let batched: Map<number, Recommendation> | undefined
  if (policy.recommendBatch) {
    const present: number[] = []
    for (let k = 0; k < n; k++) if (visits(k)) present.push(k)
    if (agentDef.request) await inPool(present, concurrency, requestOf)
    const recs = await asPolicyError(policy.name, `round ${input.round}`, () =>
      policy.recommendBatch!(snapshot, present.map(viewOf), config.slate, { catalog, round: input.round, runId: input.runId, seed }),
    )
    if (!Array.isArray(recs) || recs.length !== present.length) {
      throw new SimError('POLICY_FAILED', `policy "${policy.name}" returned ${Array.isArray(recs) ? recs.length : 'no list of'} recommendations for ${present.length} users in round ${input.round}`)
    }
    batched = new Map(present.map((k, j) => [k, recs[j]!]))
  }

  const stepOne = async (k: number) => {
    const agent = input.start + k
    const rec = prior[k]!
    const persona = env.persona(agent)
    const present = batched ? batched.has(k) : visits(k)
    const empty: OutcomeRow = {
      agent, round: input.round, present: false, returned: false, slate: [], clicks: [], ratings: [],
      satisfaction: rec.satisfaction, left: false, ndcg: Number.NaN, ild: Number.NaN, novelty: Number.NaN,
      violations: 0, utterances: [],
    }
    if (!present) {
      rows[k] = empty
      next[k] = rec
      return
    }
    const history = agentDef.history(rec.state)
    const task = taskFor(k)
    if (!batched && agentDef.request) await requestOf(k)
    const search = requests.get(k)
    const recommendation: Recommendation =
      batched?.get(k) ??
      (await asPolicyError(policy.name, `agent ${agent} in round ${input.round}`, () =>
        policy.recommend(snapshot, viewOf(k), config.slate, agentRng(seed, agent, input.round, 'policy'), { ...recCtx, task }),
      ))
    const slate = checkSlate(recommendation, config.slate, catalog.items.length, policy.name, agent, input.round)
    const policyMemory = Array.isArray(recommendation) ? rec.policyMemory : recommendation.memory
    const message = Array.isArray(recommendation) ? undefined : recommendation.message
    const treatment = Array.isArray(recommendation) ? undefined : recommendation.treatment
    const explanations = Array.isArray(recommendation) ? undefined : checkExplanations(recommendation.explanations, slate.length, policy.name, agent, input.round)
    const utility = env.truthFor(agent)
    try {
      const outcome = await agentDef.step({
        persona,
        state: rec.state,
        round: input.round,
        rng: agentRng(seed, agent, input.round, 'agent'),
        slate,
        catalog,
        returned: !rec.present,
        truth: { utility },
        message,
        treatment,
        explanations,
        search,
        task,
        inbox: inboxes.get(k) ?? [],
        neighbours: friendsOf(k),
      })
      const { carts, orders, gmv } = funnelOf(outcome.clicks, outcome.carts, outcome.orders, catalog.items)
      const cp = env.compiled(agent)
      let violations = 0
      for (const c of outcome.clicks) if (violatesHardDislike(cp, index, c)) violations++
      rows[k] = {
        agent,
        round: input.round,
        present: true,
        returned: !rec.present,
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
        carts,
        orders,
        gmv,
        ...(search ? { search: { query: search.query, reformulation: search.reformulation } } : {}),
      }
      const after: AgentRecord = { present: !outcome.left, satisfaction: outcome.satisfaction, state: outcome.state }
      if (policyMemory !== undefined) after.policyMemory = policyMemory
      if (outcome.utterances.length) after.said = outcome.utterances
      if (rec.links) after.links = rec.links
      if (outcome.messages?.length) sent[k] = outgoing(after, agent, input.round, outcome.messages, friendsOf(k), config.agents, catalog.items.length)
      next[k] = after
    } catch (err) {
      if (errorInfo(err).fatal) throw err
      // The message keeps where in the user's code the step threw: `show` and a failed run's error name it.
      errors.push({ agent, round: input.round, message: describeThrown(err) })
      rows[k] = { ...empty, present: true, slate, ild: intraListDiversity(index, slate), novelty: novelty(index, slate), ...(search ? { search: { query: search.query, reformulation: search.reformulation } } : {}) }
      next[k] = rec
    }
  }

  await inPool(Array.from({ length: n }, (_, k) => k), concurrency, stepOne)
  let awayBefore = 0
  for (const r of prior) if (!r.present) awayBefore++
  const steps: ShardSteps = { rows: packRows(rows, input.round, input.start, config.slate), states: JSON.stringify(next), awayBefore, errors, taskCounts }
  const messages = sent.flatMap((m) => m ?? [])
  if (messages.length) steps.messages = messages
  return steps
}

/** Runs `fn` over `ks` with at most `concurrency` at once (in order when 1). */
async function inPool(ks: readonly number[], concurrency: number, fn: (k: number) => Promise<void>): Promise<void> {
  if (concurrency === 1) {
    for (const k of ks) await fn(k)
    return
  }
  let at = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, ks.length) }, async () => {
      while (at < ks.length) await fn(ks[at++]!)
    }),
  )
}

/**
 * The funnel past the click as the log keeps it: carts among the clicks, orders among the
 * carts (an agent's ids outside them are dropped, duplicates once), and the orders' value.
 */
export function funnelOf(clicks: readonly number[], carts: readonly number[] | undefined, orders: readonly number[] | undefined, items: readonly { price: number }[]): { carts: number[]; orders: number[]; gmv: number } {
  if (!carts?.length) return { carts: [], orders: [], gmv: 0 }
  const clicked = new Set(clicks)
  const cartSet = new Set(carts.filter((id) => clicked.has(id)))
  const orderSet = new Set((orders ?? []).filter((id) => cartSet.has(id)))
  let gmv = 0
  for (const id of orderSet) gmv += items[id]!.price
  return { carts: [...cartSet], orders: [...orderSet], gmv: Math.round(gmv * 100) / 100 }
}

/**
 * Runs a policy's code; what it throws is the policy's error, named as such (a model
 * backend's or a server's own errors, already SimErrors with a code, pass as they are).
 */
async function asPolicyError<T>(policy: string, where: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof SimError && err.code !== 'INTERNAL') throw err
    throw new SimError('POLICY_FAILED', `policy "${policy}" failed to recommend for ${where}: ${(err as Error)?.message ?? String(err)}`, { cause: err })
  }
}

/** Parses a shard's records, or builds the initial ones (seeded per agent). */
export function decodeRecords(env: ShardEnv, input: ShardInput): AgentRecord[] {
  const n = input.end - input.start
  if (input.states === null) return Array.from({ length: n }, (_, k) => initialRecord(env.scenario.agent, env.persona(input.start + k), env.config.seed, input.start + k))
  return parseRecords(input.states, n, `shard ${input.shard} of round ${input.round}`)
}

/** A recommendation's explanations, one string per slate item, or the policy's error. */
function checkExplanations(ex: unknown, n: number, policy: string, agent: number, round: number): string[] | undefined {
  if (ex === undefined) return undefined
  const where = `policy "${policy}" for agent ${agent} in round ${round}`
  if (!Array.isArray(ex) || ex.length !== n || ex.some((e) => typeof e !== 'string')) {
    throw new SimError('POLICY_FAILED', `${where}: explanations must be ${n} strings, one per slate item; got ${JSON.stringify(ex)?.slice(0, 80)}`)
  }
  return ex as string[]
}

/** The slate of a recommendation, or the policy's error naming what is wrong with it. */
function checkSlate(rec: Recommendation, k: number, catalogSize: number, policy: string, agent: number, round: number): number[] {
  const where = `policy "${policy}" for agent ${agent} in round ${round}`
  const slate = Array.isArray(rec) ? rec : (rec as { items?: unknown } | null)?.items
  if (!Array.isArray(slate)) throw new SimError('POLICY_FAILED', `${where} returned ${JSON.stringify(rec)?.slice(0, 80)}; expected an array of item ids or { items: [...] }`)
  if (slate.length > k) throw new SimError('POLICY_FAILED', `${where} returned ${slate.length} items; the slate size is ${k}`)
  const seen = new Set<number>()
  for (const i of slate) {
    if (!Number.isInteger(i) || i < 0 || i >= catalogSize) throw new SimError('POLICY_FAILED', `${where} returned item id ${JSON.stringify(i)}, which is not in the catalog (ids 0–${catalogSize - 1})`)
    if (seen.has(i)) throw new SimError('POLICY_FAILED', `${where} returned item id ${i} twice`)
    seen.add(i)
  }
  return slate as number[]
}
