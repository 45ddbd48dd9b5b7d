/**
 * `usersim.policy.v1`: the HTTP+JSON protocol between usersim and a recommender policy that
 * runs in its own process, in any language (docs/external-policies.md). Pure: zod only.
 *
 * Receivers ignore fields they do not know (zod's default `z.object` strips them), so a
 * later minor addition does not break an older server or client.
 *
 * @example
 * const body = recommendRequest.parse({ protocol: PROTOCOL, run: { id: 'r1', seed: 7 }, round: 0, k: 10,
 *   users: [{ id: 3, history: [5, 9] }] })
 * const answer = recommendResponse.parse(await (await fetch(url + '/recommend', { method: 'POST', body: JSON.stringify(body) })).json())
 * const issues = checkRecommendResponse(body, answer, catalogSize)   // [] when the slates are usable
 */
import { z } from 'zod'

/** The protocol name and version every message carries (and `/info` answers with). */
export const PROTOCOL = 'usersim.policy.v1' as const

/** The endpoints, by message. */
export const ENDPOINTS = {
  info: { method: 'GET', path: '/info' },
  reset: { method: 'POST', path: '/reset' },
  recommend: { method: 'POST', path: '/recommend' },
  learn: { method: 'POST', path: '/learn' },
} as const

const protocol = z.literal(PROTOCOL).describe('Protocol name and version; a server answers 400 to any other value.')
const int = z.number().int()
/** A catalog item id (0..catalog size − 1) or an agent id. */
const id = int.nonnegative()

/** Which run a message belongs to. */
export const runRef = z
  .object({
    id: z.string().min(1).describe('The usersim run id.'),
    seed: int.describe('The run seed; a stochastic policy derives its randomness from (seed, round, user).'),
  })
  .describe('The run a message belongs to.')

/** `GET /info` → what the policy is and which parts of a request it wants. */
export const infoResponse = z.object({
  protocol,
  name: z.string().min(1).describe('The policy name (shown in run records).'),
  wants: z
    .object({
      history: z.boolean().describe('Send each user’s consumed items (otherwise history is []).'),
      candidates: z.boolean().describe('Send candidate lists to rank (otherwise candidates is absent: the full catalog).'),
      utterances: z.boolean().describe('Send what each user said in its last step.'),
    })
    .describe('Which optional parts of /recommend the policy reads; the client leaves out the rest.'),
  maxBatch: int.positive().optional().describe('Most users per /recommend request (default: no limit).'),
})

/** `POST /reset`: a run starts, or a resumed run is about to replay what the policy learned. */
export const resetRequest = z.object({
  protocol,
  run: runRef,
  catalog: z.object({ size: int.positive().describe('Item ids are 0..size − 1.') }),
  agents: id.describe('Number of simulated users; user ids are 0..agents − 1.'),
  slate: int.positive().describe('The run’s slate size (the usual k).'),
})

/** The answer to `/reset` and `/learn`. */
export const okResponse = z.object({ ok: z.literal(true) })

/** Something a simulated user said (a complaint, a request, a command, …). */
export const utterance = z.object({ kind: z.string(), text: z.string() })

/** OnePiece's preference anchors for a query, from rounds strictly before this one. */
export const anchors = z.object({
  purchased: z.array(id).describe('Items most ordered after this query, best first (top k).'),
  clicked: z.array(id).describe('Items most clicked after this query, best first.'),
  impressed: z.array(id).describe('Items most shown for this query, best first.'),
})

/** A search request: the query, whether it rewrites the user's previous one, and its anchors. */
export const searchRequest = z.object({
  query: z.string().describe('The query as the user typed it (typos included).'),
  reformulation: z.boolean().describe('True when it rewrites the user’s previous query after a page with no click.'),
  anchors: anchors,
})

/** One user in a `/recommend` batch. */
export const recommendUser = z.object({
  id: id.describe('Agent id.'),
  history: z.array(id).describe('Consumed items, oldest first ([] when the policy does not want history).'),
  candidates: z
    .array(id)
    .nullable()
    .optional()
    .describe('Items to choose from; absent or null: the whole catalog.'),
  utterances: z.array(utterance).optional().describe('What the user said in its last step, when the policy wants it.'),
  search: searchRequest.optional().describe('The user’s search request this round (search runs only): rank results for this query.'),
})

/** `POST /recommend`: one request per batch of users of a shard. */
export const recommendRequest = z.object({
  protocol,
  run: runRef,
  round: id.describe('The round (0-based).'),
  k: int.positive().describe('Most items per slate.'),
  users: z.array(recommendUser),
})

/** One user's slate. */
export const slate = z.object({
  user: id.describe('The user id, as in the request.'),
  items: z.array(id).describe('At most k distinct catalog ids, best first (from the candidates when there are some).'),
  scores: z.array(z.number()).optional().describe('The policy’s scores, aligned with items (informational).'),
})

/** `/recommend` → one slate per user, in the order of `users`. */
export const recommendResponse = z.object({ slates: z.array(slate) })

/** One user's feedback on one slate (or, for the warm-start log, one user's history). */
export const interaction = z
  .object({
    user: id,
    slate: z.array(id).describe('The slate shown; for a log without impressions, the clicks in time order.'),
    clicks: z.array(id).describe('Items clicked (consumed), in order.'),
    ratings: z.array(int.min(1).max(5)).describe('Ratings 1–5 aligned with clicks.'),
    carts: z.array(id).optional().describe('Items added to the cart, a subset of clicks (e-commerce runs only).'),
    orders: z.array(id).optional().describe('Items bought, a subset of carts (e-commerce runs only).'),
    query: z.string().optional().describe('The search query the slate answered (search runs only).'),
  })
  .refine((it) => it.ratings.length === it.clicks.length, { path: ['ratings'], message: 'one rating per click' })

const learnRound = z.object({
  protocol,
  run: runRef,
  kind: z.literal('round').describe('A simulated round’s feedback.'),
  round: id,
  interactions: z.array(interaction),
})

const learnHistory = z.object({
  protocol,
  run: runRef,
  kind: z.literal('history').describe('The warm-start log, sent once after /reset, before round 0.'),
  round: z.literal(-1),
  interactions: z.array(interaction),
})

/** `POST /learn`: feedback, sent between rounds in order (the warm-start log first). */
export const learnRequest = z.discriminatedUnion('kind', [learnHistory, learnRound])

/** The body of every non-2xx answer. */
export const errorResponse = z.object({ error: z.string().min(1) })

export type RunRef = z.infer<typeof runRef>
export type InfoResponse = z.infer<typeof infoResponse>
export type ResetRequest = z.infer<typeof resetRequest>
export type OkResponse = z.infer<typeof okResponse>
export type Utterance = z.infer<typeof utterance>
export type RecommendUser = z.infer<typeof recommendUser>
export type SearchRequestMessage = z.infer<typeof searchRequest>
export type RecommendRequest = z.infer<typeof recommendRequest>
export type Slate = z.infer<typeof slate>
export type RecommendResponse = z.infer<typeof recommendResponse>
export type Interaction = z.infer<typeof interaction>
export type LearnRequest = z.infer<typeof learnRequest>
export type ErrorResponse = z.infer<typeof errorResponse>

/**
 * What the schemas cannot see: checks a `/recommend` answer against its request and the
 * catalog. Returns one message per problem (empty when the slates are usable), each
 * naming the field, e.g. `slates[2].items[1]: 9999 is not a catalog id (size 1682)`.
 */
export function checkRecommendResponse(request: RecommendRequest, response: RecommendResponse, catalogSize: number): string[] {
  const issues: string[] = []
  if (response.slates.length !== request.users.length) {
    issues.push(`slates: expected ${request.users.length} (one per user), got ${response.slates.length}`)
  }
  response.slates.forEach((s, i) => {
    const user = request.users[i]
    if (!user) return
    const at = `slates[${i}]`
    if (s.user !== user.id) issues.push(`${at}.user: expected ${user.id} (the order of users), got ${s.user}`)
    if (s.items.length > request.k) issues.push(`${at}.items: ${s.items.length} items, more than k = ${request.k}`)
    const allowed = user.candidates ? new Set(user.candidates) : null
    const seen = new Set<number>()
    s.items.forEach((item, j) => {
      if (item >= catalogSize) issues.push(`${at}.items[${j}]: ${item} is not a catalog id (size ${catalogSize})`)
      else if (seen.has(item)) issues.push(`${at}.items[${j}]: ${item} appears twice`)
      else if (allowed && !allowed.has(item)) issues.push(`${at}.items[${j}]: ${item} is not one of the user's candidates`)
      seen.add(item)
    })
    if (s.scores && s.scores.length !== s.items.length) {
      issues.push(`${at}.scores: ${s.scores.length} scores for ${s.items.length} items`)
    }
  })
  return issues
}

/** Every message of the protocol, by `METHOD /path request|response`. */
export const PROTOCOL_MESSAGES = {
  'GET /info response': infoResponse,
  'POST /reset request': resetRequest,
  'POST /reset response': okResponse,
  'POST /recommend request': recommendRequest,
  'POST /recommend response': recommendResponse,
  'POST /learn request': learnRequest,
  'POST /learn response': okResponse,
  'error response (any non-2xx)': errorResponse,
} as const

/**
 * The protocol as JSON Schema (draft 2020-12), one schema per message: the content of
 * `docs/external-policies.schema.json` (written by `src/external/write-schema.ts`).
 * Input view: objects allow extra properties, which receivers ignore.
 */
export function protocolJsonSchemas(): Record<string, unknown> {
  const messages: Record<string, unknown> = {}
  for (const [name, schema] of Object.entries(PROTOCOL_MESSAGES)) {
    const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>
    messages[name] = rest
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: PROTOCOL,
    description:
      'usersim external policy protocol: JSON over HTTP. Generated from src/external/protocol.ts by ' +
      '`npx tsx src/external/write-schema.ts`; do not edit by hand. See docs/external-policies.md.',
    messages,
  }
}
