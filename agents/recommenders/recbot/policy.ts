import { z } from 'zod'
import { definePolicy, type Catalog, type Policy, type UserView } from '../../../src/core/index.ts'
import { facetSchema, facetValue, softTags } from './facets.ts'
import { emptyPreferences, preferences, type Preferences } from './preferences.ts'
import { parseCommand, type ParseCommandInput } from './tasks/parse-command.ts'
import { planTools } from './tasks/plan-tools.ts'
import { runToolChain, type ToolCall } from './tools.ts'

/** What RecBot remembers of one user between rounds (carried in the agent state). */
export const recbotMemory = z.object({
  preferences,
  /** The feed the next command will be about. */
  lastFeed: z.array(z.number().int()),
  commands: z.number().int(),
  /** Commands the parser could not read (most recent last, bounded). */
  warnings: z.array(z.string()),
  /** This round's tool chain and candidate counts (the per-round log). */
  plan: z.array(z.object({ name: z.string(), params: z.record(z.string(), z.unknown()) })),
  counts: z.array(z.object({ tool: z.string(), before: z.number(), after: z.number() })),
  /** Set when this round's command was not understood. */
  unparsed: z.boolean(),
})
export type RecbotMemory = z.infer<typeof recbotMemory>

export interface RecbotSnapshot {
  /** Collaborative prior per item in [0, 1] (log popularity, min-max scaled). */
  prior: Float32Array
}

export function collaborativePrior(catalog: Catalog): Float32Array {
  const logs = catalog.items.map((it) => Math.log(Math.max(it.popularity, 1e-12)))
  const lo = Math.min(...logs)
  const hi = Math.max(...logs)
  return Float32Array.from(logs, (x) => (hi > lo ? (x - lo) / (hi - lo) : 0.5))
}

/** The vocabulary block of a parser prompt, from the catalog's schema. */
export function vocabularyOf(catalog: Catalog): ParseCommandInput['vocabulary'] {
  const s = facetSchema(catalog)
  return { attrs: Object.fromEntries(s.attrs), categories: s.categories, softTags: s.softTags }
}

/** An item as the parser sees it in a feed. */
export function feedView(catalog: Catalog, id: number) {
  const it = catalog.items[id]!
  const attrs = [...facetSchema(catalog).attrs.keys()].map((a) => facetValue(it, a)).filter((v): v is string => typeof v === 'string')
  return { id, title: it.title, category: it.category, price: it.price, attributes: [...attrs, ...softTags(it)] }
}

export function readMemory(user: UserView): RecbotMemory {
  const m = recbotMemory.safeParse(user.memory)
  return m.success ? m.data : { preferences: emptyPreferences(), lastFeed: [], commands: 0, warnings: [], plan: [], counts: [], unparsed: false }
}

/** The user's latest command this round, if any. */
export function latestCommand(user: UserView): string | undefined {
  const said = user.utterances.filter((u) => u.kind === 'command' || u.kind === 'request')
  return said.at(-1)?.text
}

/**
 * RecBot (Interactive Recommendation Feed): each round the Parser task turns the user's
 * last command into structured preferences kept in per-user memory, the Planner task
 * picks a tool chain, and the deterministic tools (Filter, Matcher, Attenuator,
 * Aggregator) build the feed. A feed shorter than k after Filter is topped up with the
 * best remaining items (they show up as condition violations in CSR).
 */
export function recbotPolicy(): Policy<RecbotSnapshot, RecbotSnapshot> {
  return definePolicy({
    name: 'recbot',
    init: (ctx) => ({ prior: collaborativePrior(ctx.catalog) }),
    snapshot: (s) => s,
    learn: (s) => s,
    recommend: async (snap, user, k, _rng, ctx) => {
      const { catalog } = ctx
      const mem = readMemory(user)
      let prefs: Preferences = mem.preferences
      const warnings = [...mem.warnings]
      let unparsed = false
      const command = latestCommand(user)
      if (command !== undefined) {
        const out = await ctx.task(parseCommand, {
          feed: mem.lastFeed.map((id) => feedView(catalog, id)),
          command,
          memory: prefs,
          vocabulary: vocabularyOf(catalog),
        })
        const next = preferences.safeParse(out.preferences)
        if (out.understood && next.success) prefs = next.data
        else {
          unparsed = true
          warnings.push(out.warning ?? `parser output rejected for "${command.slice(0, 80)}"`)
        }
      }
      const history = new Set(user.history)
      const candidates: number[] = []
      for (let i = 0; i < catalog.items.length; i++) if (!history.has(i)) candidates.push(i)
      const plan = await ctx.task(planTools, {
        cells: { posHard: prefs.positive.hard.length, posSoft: prefs.positive.soft.length, negHard: prefs.negative.hard.length, negSoft: prefs.negative.soft.length },
        memory: JSON.stringify(prefs),
        candidates: candidates.length,
        historyLength: user.history.length,
      })
      const toolCtx = { catalog, preferences: prefs, collaborative: (i: number) => snap.prior[i]! }
      const result = runToolChain(plan.tools as ToolCall[], candidates, toolCtx)
      const items = result.candidates.slice(0, k)
      if (items.length < k) {
        const taken = new Set(items)
        const rest = candidates.filter((i) => !taken.has(i)).sort((a, b) => snap.prior[b]! - snap.prior[a]! || a - b)
        items.push(...rest.slice(0, k - items.length))
      }
      const memory: RecbotMemory = {
        preferences: prefs,
        lastFeed: items,
        commands: mem.commands + (command !== undefined ? 1 : 0),
        warnings: [...warnings, ...result.problems].slice(-5),
        plan: plan.tools as ToolCall[],
        counts: result.log,
        unparsed,
      }
      return { items, memory }
    },
  })
}
