import { z } from 'zod'
import { definePolicy, type Catalog, type Policy, type UserView } from '../../../src/core/index.ts'
import { lesson, reflectTrial, type Lesson } from '../reflection/index.ts'
import { crsConstraints, dialogueTurn, retrieve, trackConstraints, type CrsConstraints } from './dialogue-state.ts'
import { crsRuleViolations } from './rules.ts'
import { crsTurn, type CrsTurnOutput } from './tasks/crs-turn.ts'

const evidence = z.object({ kind: z.enum(['condition-ignored', 'negative-violated', 'drifted-interest', 'repeated-question', 'no-guidance', 'wrong-pick', 'too-slow', 'gave-up']), detail: z.string() })

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
  /** Multi-trial episodes: the trial this memory is about, lessons of failed trials, and this trial's steps and evidence. */
  trial: z.number().int().default(0),
  lessons: z.array(lesson).default([]),
  steps: z.array(z.object({ observation: z.string(), action: z.string() })).default([]),
  evidence: z.array(evidence).default([]),
})
export type CrsMemory = z.infer<typeof crsMemory>

const CANDIDATES = 8
const HISTORY = 12
const INSTRUCTION = 'Lead the user to an item they will love within the turn limit: ask one clarifying question, recommend one search result by its full title, or respond.'

export const candidateView = (catalog: Catalog, id: number) => {
  const it = catalog.items[id]!
  return { id, title: it.title, category: it.category, tags: it.tags, price: it.price }
}

const fresh = (): CrsMemory => ({ constraints: { tags: [], notTags: [] }, asked: [], rejected: [], history: [], retrieved: [], turn: 0, invalid: 0, trial: 0, lessons: [], steps: [], evidence: [] })

/** What the CRS's own bookkeeping shows about a turn (the evidence a reflection cites). */
function turnEvidence(catalog: Catalog, c: CrsConstraints, found: readonly number[], out: CrsTurnOutput, broken: readonly string[], mem: CrsMemory): CrsMemory['evidence'] {
  const ev: CrsMemory['evidence'] = []
  if (broken.includes('reasks-known-slot')) ev.push({ kind: 'repeated-question', detail: `Turn ${mem.turn + 1}: I asked about ${out.slot ?? 'a slot'} again although the user had already said ${out.slot === 'tags' ? c.tags.join(', ') : c.category ?? 'it'}` })
  if (broken.includes('no-way-forward')) ev.push({ kind: 'no-guidance', detail: `Turn ${mem.turn + 1}: I replied "${out.text.slice(0, 80)}" with no question and no recommendation` })
  if (out.action === 'recommend' && out.item !== undefined && catalog.items[out.item]) {
    const it = catalog.items[out.item]!
    if (c.category && it.category !== c.category) ev.push({ kind: 'condition-ignored', detail: `I recommended "${it.title}", a ${it.category}, although the user asked for ${c.category}` })
    const missing = c.tags.filter((t) => !it.tags.includes(t))
    if (c.tags.length && missing.length === c.tags.length) ev.push({ kind: 'condition-ignored', detail: `I recommended "${it.title}", which is not ${missing.join(' or ')} as the user wanted` })
    const bad = c.notTags.filter((t) => it.tags.includes(t))
    if (bad.length) ev.push({ kind: 'negative-violated', detail: `I recommended "${it.title}", which is ${bad.join(', ')}, after the user ruled that out` })
    if (found[0] !== undefined && found[0] !== out.item && found.indexOf(out.item) > 2) ev.push({ kind: 'wrong-pick', detail: `I recommended "${it.title}", result ${found.indexOf(out.item) + 1} of ${found.length}, over better-fitting ones` })
  }
  return ev
}

/** A new trial: reflect on the last one, keep the lesson and what still holds, start the dialogue afresh. */
async function startTrial(mem: CrsMemory, user: UserView, ctx: Parameters<Policy['recommend']>[4]): Promise<CrsMemory> {
  const t = user.trial!
  const prev = t.previous ?? { ending: 'out-of-turns' as const, reward: 0, rounds: mem.turn }
  const slow = mem.asked.length >= 2 ? [{ kind: 'too-slow' as const, detail: `I spent ${mem.asked.length} turns asking before recommending` }] : []
  const out = await ctx.task(reflectTrial, {
    instruction: INSTRUCTION,
    trial: mem.trial,
    outcome: prev.ending === 'passed' ? { ...prev, ending: 'out-of-turns' } : prev,
    trajectory: mem.steps.slice(-30),
    evidence: [...mem.evidence, ...slow].slice(0, 20),
    understood: JSON.stringify(mem.constraints),
    shown: mem.rejected.slice(-200),
    lessons: mem.lessons.slice(-10),
  })
  let carried: CrsConstraints = { tags: [], notTags: [] }
  try {
    const c = crsConstraints.safeParse(out.carry ? JSON.parse(out.carry) : undefined)
    if (c.success) carried = c.data
  } catch {
    // An unreadable carry is no carry: the lesson text still goes into the prompt.
  }
  const valid = new Set(ctx.catalog.items.map((it) => it.id))
  const lessons: Lesson[] = [...mem.lessons, { trial: mem.trial, diagnosis: out.diagnosis, text: out.lesson }].slice(-10)
  return { ...fresh(), constraints: carried, rejected: out.avoid.filter((id) => valid.has(id)), retrieved: mem.retrieved, trial: t.index, lessons }
}

/**
 * The conversational recommender: a deterministic state tracker and search tool, and
 * the `crs-turn` task that decides to ask, recommend or respond. The slate is the
 * recommended item first, then the other search results (empty for a question); the
 * message is the turn's text. It supports reflection: when a user starts a new trial
 * of a multi-trial episode, the `reflect-trial` task writes a lesson from the failed
 * trial, which goes into every later turn's prompt.
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
      let mem: CrsMemory = prev.success ? structuredClone(prev.data) : fresh()
      let utterances = user.utterances
      if (user.trial && user.trial.index > mem.trial) {
        mem = await startTrial(mem, user, ctx)
        // The user's farewell closed the last trial; its new opening starts this one.
        utterances = utterances.filter((u) => u.kind === 'request')
      }
      const said = utterances.map((u) => u.text).join(' ')
      if (said) {
        mem.history.push({ role: 'user', text: said })
        mem.constraints = trackConstraints(mem.constraints, said, catalog)
      }
      const found = retrieve(catalog, mem.constraints, CANDIDATES, new Set(mem.rejected))
      for (const id of found) if (!mem.retrieved.includes(id)) mem.retrieved.push(id)
      const input = {
        history: mem.history.slice(-HISTORY),
        constraints: structuredClone(mem.constraints),
        candidates: found.map((id) => candidateView(catalog, id)),
        asked: [...mem.asked],
        rejected: mem.rejected.map((id) => catalog.items[id]!.title),
        turn: mem.turn,
        maxTurns,
        ...(mem.lessons.length ? { lessons: mem.lessons } : {}),
      }
      const out = await ctx.task(crsTurn, input)
      // Trajectory bookkeeping only where there will be a next trial to reflect for.
      if (user.trial) {
        mem.evidence = [...mem.evidence, ...turnEvidence(catalog, mem.constraints, found, out, crsRuleViolations(input, out), mem)].slice(-20)
        mem.steps = [...mem.steps, { observation: `user: ${said || '(nothing)'}; understood ${JSON.stringify(mem.constraints)}`.slice(0, 800), action: JSON.stringify(out).slice(0, 800) }].slice(-30)
      }
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
