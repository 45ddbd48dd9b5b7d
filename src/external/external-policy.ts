import { SimError, type Interaction as CoreInteraction, type Policy, type Recommendation, type UserView } from '../core/index.ts'
import { PolicyClient } from './client.ts'
import { externalPolicyOptions, redactUrl, type ExternalPolicyOptions } from './options.ts'
import { checkRecommendResponse, PROTOCOL, recommendResponse, type InfoResponse, type RecommendRequest } from './protocol.ts'
import { z } from 'zod'

/** What the run keeps of an external policy: where it is and how to talk to it (its model lives in the server). */
export interface ExternalState {
  url: string
  options: ExternalPolicyOptions
  /** The server's /info, read when the run (or a resume) opens it. */
  info?: InfoResponse
  runId?: string
}

// One client per URL and options per thread: shards of a thread share its connections.
const clients = new Map<string, PolicyClient>()
function clientFor(s: Pick<ExternalState, 'url' | 'options'>): PolicyClient {
  const key = JSON.stringify([s.url, s.options])
  let c = clients.get(key)
  if (!c) clients.set(key, (c = new PolicyClient(s.url, s.options)))
  return c
}

/**
 * A recommender in another process, in any language, spoken to over `usersim.policy.v1`
 * (docs/external-policies.md). The CLI makes one from `--policy http://HOST:PORT[/path]`
 * with `--set policy.KEY=VALUE` options; a scenario can name one in its `policies`.
 *
 * @example
 * export default defineScenario({ ...feed, policies: { rearec: () => externalPolicy('http://127.0.0.1:8000', { timeoutMs: 5000 }) } })
 */
export function externalPolicy(url: string, raw: Record<string, unknown> = {}): Policy<ExternalState, ExternalState> {
  const parsed = externalPolicyOptions.safeParse(raw)
  const shown = redactUrl(url)
  if (!parsed.success) {
    const known = Object.keys(externalPolicyOptions.shape).join(', ')
    throw new SimError('USAGE', `invalid options for the external policy ${shown} (known: ${known}): ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`)
  }
  const options = parsed.data
  return {
    name: shown,
    init: () => ({ url, options }),
    snapshot: (s) => s,
    async open(state, ctx) {
      const client = clientFor(state)
      const info = await client.info()
      const run = { id: ctx.runId, seed: ctx.seed }
      await client.ok('/reset', { protocol: PROTOCOL, run, catalog: { size: ctx.catalog.items.length }, agents: ctx.agents, slate: ctx.slateSize })
      // A resumed run replays what the server had learned, so a deterministic server is where it was.
      for await (const fb of ctx.replay()) await client.ok('/learn', learnBody(run, fb.round, fb.interactions))
      return { ...state, info, runId: ctx.runId }
    },
    recommend() {
      throw new SimError('INTERNAL', `the external policy ${shown} recommends in batches (recommendBatch)`)
    },
    async recommendBatch(snap, users, k, ctx) {
      if (!snap.info || snap.runId === undefined) throw new SimError('INTERNAL', `the external policy ${shown} was not opened before round ${ctx.round}`)
      const client = clientFor(snap)
      const batch = Math.min(options.batchSize, snap.info.maxBatch ?? Infinity)
      const chunks: Array<readonly UserView[]> = []
      for (let i = 0; i < users.length; i += batch) chunks.push(users.slice(i, i + batch))
      const out: Recommendation[] = new Array(users.length)
      let next = 0
      const wants = snap.info.wants
      const run = { id: snap.runId, seed: ctx.seed }
      await Promise.all(
        Array.from({ length: Math.min(options.concurrency, chunks.length) }, async () => {
          while (next < chunks.length) {
            const c = next++
            const chunk = chunks[c]!
            const req: RecommendRequest = {
              protocol: PROTOCOL,
              run,
              round: ctx.round,
              k,
              users: chunk.map((u) => ({
                id: u.id,
                history: wants.history ? [...u.history] : [],
                ...(wants.utterances ? { utterances: u.utterances.map((x) => ({ kind: x.kind, text: x.text })) } : {}),
                // A search request always goes: without its query a search policy has nothing to answer.
                ...(u.search ? { search: { query: u.search.query, reformulation: u.search.reformulation, anchors: { purchased: [...u.search.anchors.purchased], clicked: [...u.search.anchors.clicked], impressed: [...u.search.anchors.impressed] } } } : {}),
              })),
            }
            const res = await client.post('/recommend', req, recommendResponse)
            const issues = checkRecommendResponse(req, res, ctx.catalog.items.length)
            if (issues.length) {
              const first = issues[0]!
              const at = /^slates\[(\d+)\]/.exec(first)
              const user = at ? req.users[Number(at[1])]?.id : undefined
              throw new SimError('POLICY_FAILED', `policy ${shown}: the /recommend answer for round ${ctx.round}${user !== undefined ? `, user ${user}` : ''} is not usable: ${first}${issues.length > 1 ? ` (and ${issues.length - 1} more problem(s))` : ''}`)
            }
            res.slates.forEach((s, j) => (out[c * batch + j] = s.items))
          }
        }),
      )
      return out
    },
    async learn(state, feedback, ctx) {
      if (state.runId === undefined) throw new SimError('INTERNAL', `the external policy ${shown} was not opened before learning`)
      await clientFor(state).ok('/learn', learnBody({ id: state.runId, seed: ctx.seed }, feedback.round, feedback.interactions))
      return state
    },
  }
}

/** A /learn message: a round's feedback, or (round -1) the warm-start history. */
function learnBody(run: { id: string; seed: number }, round: number, interactions: readonly CoreInteraction[]) {
  return {
    protocol: PROTOCOL,
    run,
    kind: round < 0 ? ('history' as const) : ('round' as const),
    round,
    interactions: interactions.map((i) => ({
      user: i.agent,
      slate: Array.from(i.slate),
      clicks: Array.from(i.clicks),
      ratings: Array.from(i.ratings),
      // The funnel and the query only when the run has them: a feed's messages stay as they were.
      ...(i.carts ? { carts: Array.from(i.carts), orders: Array.from(i.orders ?? []) } : {}),
      ...(i.query !== undefined ? { query: i.query } : {}),
    })),
  }
}
