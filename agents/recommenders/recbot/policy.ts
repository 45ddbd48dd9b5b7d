import { z } from 'zod'
import { definePolicy, type Catalog, type Policy, type UserView } from '../../../src/core/index.ts'
import { facetSchema, facetValue, softTags } from './facets.ts'
import { describeHard, emptyPreferences, preferences, satisfies, type Preferences } from './preferences.ts'
import { failureKind, lesson, reflectTrial } from '../reflection/index.ts'
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
  /** Multi-trial episodes: the trial this memory is about, lessons of failed trials, this trial's steps, evidence and feeds, and items not to show again. */
  trial: z.number().int().default(0),
  lessons: z.array(lesson).default([]),
  steps: z.array(z.object({ observation: z.string(), action: z.string() })).default([]),
  evidence: z.array(z.object({ kind: failureKind, detail: z.string() })).default([]),
  shown: z.array(z.number().int()).default([]),
  avoid: z.array(z.number().int()).default([]),
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
  return m.success ? m.data : { preferences: emptyPreferences(), lastFeed: [], commands: 0, warnings: [], plan: [], counts: [], unparsed: false, trial: 0, lessons: [], steps: [], evidence: [], shown: [], avoid: [] }
}

const INSTRUCTION = 'Turn the shopper\'s natural-language commands into preferences and build a feed of 10 items that meets all of them (parser, planner, tools).'

/** Positive hard conditions whose value changed from one command to the next: the user changed their mind. */
function drifted(before: Preferences, after: Preferences): string[] {
  const out: string[] = []
  for (const c of after.positive.hard) {
    const old = before.positive.hard.find((b) => b.attr === c.attr && b.op === c.op && JSON.stringify(b.value) !== JSON.stringify(c.value))
    if (old) out.push(`the user switched ${c.attr} from ${String(old.value)} to ${String(c.value)}`)
  }
  return out
}

/** What the feed shows about the conditions: positive ones broken by topped-up items, negative ones shown anyway. */
function feedEvidence(catalog: Catalog, prefs: Preferences, items: readonly number[], round: number): RecbotMemory['evidence'] {
  const ev: RecbotMemory['evidence'] = []
  const its = items.map((id) => catalog.items[id]!)
  for (const c of prefs.positive.hard) {
    const n = its.filter((it) => !satisfies(it, c)).length
    if (n) ev.push({ kind: 'condition-ignored', detail: `round ${round}: ${n} of ${its.length} feed items broke "${describeHard(c)}" (too few items met every condition)` })
  }
  for (const c of prefs.negative.hard) {
    const n = its.filter((it) => satisfies(it, c)).length
    if (n) ev.push({ kind: 'negative-violated', detail: `round ${round}: ${n} feed items had ${describeHard(c)}, which the user ruled out` })
  }
  return ev
}

function reflectionLog(mem: RecbotMemory, catalog: Catalog, command: string | undefined, prefs: Preferences, tools: readonly { name: string }[], items: readonly number[], evidence: RecbotMemory['evidence'], round: number) {
  return {
    steps: [...mem.steps, { observation: `command: ${command ?? '(none)'}; preferences ${JSON.stringify(prefs)}`.slice(0, 800), action: `tools ${tools.map((x) => x.name).join(' > ')}; feed ${items.join(',')}`.slice(0, 800) }].slice(-30),
    evidence: [...evidence, ...feedEvidence(catalog, prefs, items, round)].slice(-20),
    shown: [...mem.shown, ...items].slice(-200),
  }
}

/** A new trial: reflect on the last one; keep the lesson, what was understood and the items already refused. */
async function startTrial(mem: RecbotMemory, user: UserView, ctx: Parameters<Policy['recommend']>[4]): Promise<RecbotMemory> {
  const t = user.trial!
  const prev = t.previous ?? { ending: 'out-of-turns' as const, reward: 0, rounds: mem.steps.length }
  const out = await ctx.task(reflectTrial, {
    instruction: INSTRUCTION,
    trial: mem.trial,
    outcome: prev.ending === 'passed' ? { ...prev, ending: 'out-of-turns' } : prev,
    trajectory: mem.steps.slice(-30),
    evidence: mem.evidence.slice(-20),
    understood: JSON.stringify(mem.preferences),
    shown: mem.shown.slice(-200),
    lessons: mem.lessons.slice(-10),
  })
  let carried = emptyPreferences()
  try {
    const c = preferences.safeParse(out.carry ? JSON.parse(out.carry) : undefined)
    if (c.success) carried = c.data
  } catch {
    // An unreadable carry is no carry: the lesson still reaches the planner.
  }
  const valid = out.avoid.filter((id) => id >= 0 && id < ctx.catalog.items.length)
  return {
    preferences: carried, lastFeed: [], commands: 0, warnings: [], plan: [], counts: [], unparsed: false,
    trial: t.index, lessons: [...mem.lessons, { trial: mem.trial, diagnosis: out.diagnosis, text: out.lesson }].slice(-10),
    steps: [], evidence: [], shown: [], avoid: [...new Set([...mem.avoid, ...valid])].slice(-400),
  }
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
      let mem = readMemory(user)
      if (user.trial && user.trial.index > mem.trial) mem = await startTrial(mem, user, ctx)
      let prefs: Preferences = mem.preferences
      const warnings = [...mem.warnings]
      let unparsed = false
      const evidence = [...mem.evidence]
      const command = latestCommand(user)
      if (command !== undefined) {
        const out = await ctx.task(parseCommand, {
          feed: mem.lastFeed.map((id) => feedView(catalog, id)),
          command,
          memory: prefs,
          vocabulary: vocabularyOf(catalog),
        })
        const next = preferences.safeParse(out.preferences)
        if (out.understood && next.success) {
          for (const d of drifted(prefs, next.data)) evidence.push({ kind: 'drifted-interest', detail: `round ${ctx.round}: ${d}` })
          prefs = next.data
        } else {
          unparsed = true
          warnings.push(out.warning ?? `parser output rejected for "${command.slice(0, 80)}"`)
          evidence.push({ kind: 'condition-ignored', detail: `round ${ctx.round}: I could not read the command "${command.slice(0, 100)}"` })
        }
      }
      // Items already refused in earlier trials are not shown again.
      const history = new Set([...user.history, ...mem.avoid])
      const candidates: number[] = []
      for (let i = 0; i < catalog.items.length; i++) if (!history.has(i)) candidates.push(i)
      const plan = await ctx.task(planTools, {
        cells: { posHard: prefs.positive.hard.length, posSoft: prefs.positive.soft.length, negHard: prefs.negative.hard.length, negSoft: prefs.negative.soft.length },
        memory: JSON.stringify(prefs),
        candidates: candidates.length,
        historyLength: user.history.length,
        ...(mem.lessons.length ? { lessons: mem.lessons } : {}),
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
        trial: mem.trial,
        lessons: mem.lessons,
        // Trajectory bookkeeping only where there will be a next trial to reflect for.
        ...(user.trial ? reflectionLog(mem, catalog, command, prefs, plan.tools, items, evidence, ctx.round) : { steps: [], evidence: [], shown: [] }),
        avoid: mem.avoid,
      }
      return { items, memory }
    },
  })
}
