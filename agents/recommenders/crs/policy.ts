import { z } from 'zod'
import { definePolicy, type Catalog, type Policy } from '../../../src/core/index.ts'
import { crsConstraints, dialogueTurn, retrieve, trackConstraints } from './dialogue-state.ts'
import { crsTurn } from './tasks/crs-turn.ts'

/** The CRS's memory of one dialogue (carried in the agent state between turns). */
export const crsMemory = z.object({
  constraints: crsConstraints,
  asked: z.array(z.string()),
  rejected: z.array(z.number().int()),
  history: z.array(dialogueTurn),
  /** Every id a search returned in this dialogue (recall of the target is measured on it). */
  retrieved: z.array(z.number().int()),
  turn: z.number().int(),
  invalid: z.number().int(),
})
export type CrsMemory = z.infer<typeof crsMemory>

const CANDIDATES = 8
const HISTORY = 12

export const candidateView = (catalog: Catalog, id: number) => {
  const it = catalog.items[id]!
  return { id, title: it.title, category: it.category, tags: it.tags, price: it.price }
}

/**
 * The conversational recommender: a deterministic state tracker and search tool, and
 * the `crs-turn` task that decides to ask, recommend or respond. The slate is the
 * recommended item first, then the other search results (empty for a question); the
 * message is the turn's text.
 */
export function crsPolicy(options: { maxTurns?: number } = {}): Policy<null, null> {
  const maxTurns = options.maxTurns ?? 5
  return definePolicy({
    name: 'crs',
    init: () => null,
    snapshot: () => null,
    learn: (s) => s,
    recommend: async (_snap, user, k, _rng, ctx) => {
      const { catalog } = ctx
      const prev = crsMemory.safeParse(user.memory)
      const mem: CrsMemory = prev.success
        ? structuredClone(prev.data)
        : { constraints: { tags: [], notTags: [] }, asked: [], rejected: [], history: [], retrieved: [], turn: 0, invalid: 0 }
      const said = user.utterances.map((u) => u.text).join(' ')
      if (said) {
        mem.history.push({ role: 'user', text: said })
        mem.constraints = trackConstraints(mem.constraints, said, catalog)
      }
      const found = retrieve(catalog, mem.constraints, CANDIDATES, new Set(mem.rejected))
      for (const id of found) if (!mem.retrieved.includes(id)) mem.retrieved.push(id)
      const out = await ctx.task(crsTurn, {
        history: mem.history.slice(-HISTORY),
        constraints: structuredClone(mem.constraints),
        candidates: found.map((id) => candidateView(catalog, id)),
        asked: [...mem.asked],
        rejected: mem.rejected.map((id) => catalog.items[id]!.title),
        turn: mem.turn,
        maxTurns,
      })
      let items: number[] = []
      if (out.action === 'recommend') {
        const item = out.item !== undefined && found.includes(out.item) ? out.item : undefined
        if (item === undefined) mem.invalid++
        const first = item ?? found[0]
        if (first !== undefined) {
          items = [first, ...found.filter((i) => i !== first)].slice(0, k)
          mem.rejected.push(first)
        }
      } else if (out.action === 'ask' && out.slot && !mem.asked.includes(out.slot)) {
        mem.asked.push(out.slot)
      }
      mem.history.push({ role: 'system', text: out.text })
      mem.history = mem.history.slice(-HISTORY)
      mem.retrieved = mem.retrieved.slice(-200)
      mem.turn++
      return { items, memory: mem, message: out.text }
    },
  })
}
