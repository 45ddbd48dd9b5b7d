import {
  compilePersona,
  indexCatalog,
  rngFor,
  SimError,
  trueUtility,
  type Catalog,
  type Persona,
  type Policy,
  type Recommendation,
  type UserView,
} from '../core/index.ts'
import { historyLog, type TrainingHistory } from './history-log.ts'

/** What the offline side needs of a calibrated population. */
export interface OfflineWorld extends TrainingHistory {
  catalog: Catalog
  personas: readonly Persona[]
  /** Each user's held-out items (what the user did next), by user. */
  heldOut: readonly (readonly number[])[]
}

/** Per-user offline metrics of one policy, aligned with the users evaluated. */
export interface OfflineMetrics {
  recall: number[]
  ndcg: number[]
  hit: number[]
  /** The top-k list each evaluated user got (the slate the simulation shows in round 0). */
  lists: number[][]
}

const itemsOf = (r: Recommendation) => (Array.isArray(r) ? r : r.items)

/**
 * The offline evaluation of one policy on real held-out data: the policy is built for
 * `agents` users, learns the training log through its own `learn` (exactly the warm start
 * of a simulated run), and ranks k items for each evaluated user; Recall@k, NDCG@k and
 * hit rate@k against the items the user rated in the held-out part.
 */
export async function offlineMetrics(
  policy: Policy,
  world: OfflineWorld,
  users: readonly number[],
  opts: { agents: number; k: number; seed: number; runId?: string },
): Promise<OfflineMetrics> {
  const pctx = { catalog: world.catalog, agents: opts.agents, seed: opts.seed, slateSize: opts.k }
  const log = historyLog(world, opts.agents)
  const feedback = log.batches[0]!
  let state = policy.init(pctx)
  if (policy.open) {
    state = (await policy.open(state as never, { ...pctx, runId: opts.runId ?? 'offline-ranking', fromRound: 0, replay: async function* () { yield feedback } })) ?? state
  } else {
    state = await policy.learn(state as never, feedback, { ...pctx, rng: rngFor(opts.seed, 'learn', -1) })
  }
  const snap = policy.snapshot(state as never)
  const idx = indexCatalog(world.catalog)
  const compiled = new Map<number, ReturnType<typeof compilePersona>>()
  const truth = {
    utility: (a: number, i: number) => {
      let cp = compiled.get(a)
      if (!cp) compiled.set(a, (cp = compilePersona(world.personas[a % world.personas.length]!, idx)))
      return trueUtility(cp, idx, i)
    },
  }
  const views: UserView[] = users.map((u) => ({ id: u, history: [], utterances: [] }))
  let lists: number[][]
  if (policy.recommendBatch) {
    lists = (await policy.recommendBatch(snap, views, opts.k, { catalog: world.catalog, round: 0, runId: opts.runId ?? 'offline-ranking', seed: opts.seed })).map(itemsOf)
  } else {
    const ctx = { catalog: world.catalog, round: 0, truth, task: () => Promise.reject(new SimError('USAGE', 'offline ranking runs no tasks')) }
    lists = []
    for (const v of views) lists.push(itemsOf(await policy.recommend(snap, v, opts.k, rngFor(opts.seed, v.id, 0, 'policy'), ctx)))
  }
  const out: OfflineMetrics = { recall: [], ndcg: [], hit: [], lists }
  users.forEach((u, n) => {
    const relevant = new Set(world.heldOut[u])
    const list = lists[n]!
    let hits = 0
    let dcg = 0
    list.slice(0, opts.k).forEach((i, r) => {
      if (relevant.has(i)) {
        hits++
        dcg += 1 / Math.log2(r + 2)
      }
    })
    let idcg = 0
    for (let r = 0; r < Math.min(opts.k, relevant.size); r++) idcg += 1 / Math.log2(r + 2)
    out.recall.push(relevant.size ? hits / relevant.size : 0)
    out.ndcg.push(idcg > 0 ? dcg / idcg : 0)
    out.hit.push(hits > 0 ? 1 : 0)
  })
  return out
}
