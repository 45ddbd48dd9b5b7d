import type { Catalog, MetricContext, MetricFn, OutcomeRow } from '../../../src/core/index.ts'
import { attributesOf, tokens } from '../../explanations/claims.ts'
import { trueInterests, attributeLift } from '../../explanations/true-interests.ts'
import { Agreement } from '../../judge/agreement.ts'
import { asRecgptMemory, type RecgptMemory } from './memory.ts'

/** Users checked against the truth per round (each check reads the whole catalog). */
const SAMPLE = 2000

interface CheckedUser {
  mem: RecgptMemory
  truth: Set<string>
  lift: Map<string, number>
  aspects?: { items: number[]; aspects: Array<{ relevance: number; factuality: number; clarity: number }> }
  row: OutcomeRow
}

interface RoundCheck {
  precision: number
  recall: number
  hallucinated: number
  tagHr: number
  rejected: number
  misled: number
  judge: Record<string, Agreement>
}

// Metrics are asked one by one for the same round: compute the round's checks once.
let cache: { rows: readonly OutcomeRow[]; check: RoundCheck } | undefined

function check(rows: readonly OutcomeRow[], ctx: MetricContext): RoundCheck {
  if (cache?.rows === rows) return cache.check
  const users: CheckedUser[] = []
  const step = Math.max(1, Math.ceil(rows.length / SAMPLE))
  for (let i = 0; i < rows.length; i += step) {
    const mem = asRecgptMemory(ctx.policyMemory[i])
    const row = rows[i]!
    if (!mem || mem.round !== ctx.round || !row.present) continue
    const persona = ctx.persona(row.agent)
    const lift = attributeLift(persona, ctx.catalog)
    const state = ctx.states[i] as { explained?: CheckedUser["aspects"] & { round: number } } | undefined
    users.push({ mem, truth: new Set(trueInterests(persona, ctx.catalog, { lift })), lift, aspects: state?.explained?.round === ctx.round ? state.explained : undefined, row })
  }
  const judge: Record<string, Agreement> = {}
  const agree = (name: string, a: boolean | undefined, b: boolean) => {
    if (a === undefined) return
    ;(judge[name] ??= new Agreement()).add(a, b)
  }
  let precision = 0, recall = 0, hallucinated = 0, withInterests = 0
  let hits = 0, clicksChecked = 0, rejected = 0, drafts = 0, misled = 0, clicks = 0
  for (const u of users) {
    const { mem, truth, lift } = u
    if (mem.interests.length) {
      const words = mem.interests.map((x) => tokens(x))
      const good = words.filter((w) => w.some((t) => truth.has(t))).length
      const found = new Set(words.flat().filter((t) => truth.has(t)))
      precision += good / words.length
      recall += truth.size ? found.size / Math.min(truth.size, 5) : 1
      hallucinated += words.filter((w) => !w.some((t) => (lift.get(t) ?? -1) > 0)).length / words.length
      withInterests++
    }
    mem.mined.forEach((x, i) => {
      const v = mem.minedVerdicts?.[i]
      const w = tokens(x)
      agree('interest.willingness', v?.willingness, w.some((t) => truth.has(t)))
      agree('interest.reasonableness', v?.reasonableness, w.some((t) => (lift.get(t) ?? -1) > 0))
    })
    mem.predicted.forEach((t, i) => {
      const v = mem.tagVerdicts?.[i]
      agree('tag.relevance', v?.relevance, tokens(t).some((w) => truth.has(w)))
      agree('tag.validity', v?.validity, mem.predictedMatches[i]! > 0)
    })
    // RecGPT's tag HR: this round's clicks whose category a tag of the previous round named.
    if (mem.prevTags.length) {
      const named = new Set(mem.prevTags.flatMap(tokens))
      for (const c of u.row.clicks) {
        clicksChecked++
        if (named.has(catalogCategory(ctx.catalog, c))) hits++
      }
    }
    const ex = mem.explained
    if (ex) {
      drafts += ex.items.length
      rejected += ex.rejected
      ex.items.forEach((id, j) => {
        const attrs = attributesOf(ctx.catalog.items[id]!)
        const claims = ex.draftClaims[j] ?? []
        const v = ex.draftVerdicts?.[j]
        agree('explanation.factuality', v?.factuality, claims.every((c) => attrs.has(c)))
        agree('explanation.relevance', v?.relevance, claims.some((c) => attrs.has(c) && truth.has(c)))
        const shown = ex.shownVerdicts?.[j] ?? undefined
        const a = u.aspects && u.aspects.items[j] === id ? u.aspects.aspects[j] : undefined
        if (a && shown) {
          agree('vs-user.relevance', shown.relevance, a.relevance >= 0.5)
          agree('vs-user.factuality', shown.factuality, a.factuality >= 0.99)
          agree('vs-user.clarity', shown.clarity, a.clarity >= 0.6)
        }
      })
      clicks += u.row.clicks.length
      const state = u.aspects as { misled?: number[] } | undefined
      misled += state?.misled?.length ?? 0
    }
  }
  const ratio = (a: number, b: number) => (b ? a / b : Number.NaN)
  const result: RoundCheck = {
    precision: ratio(precision, withInterests),
    recall: ratio(recall, withInterests),
    hallucinated: ratio(hallucinated, withInterests),
    tagHr: ratio(hits, clicksChecked),
    rejected: ratio(rejected, drafts),
    misled: ratio(misled, clicks),
    judge,
  }
  cache = { rows, check: result }
  return result
}

const categories = new WeakMap<Catalog, string[]>()
function catalogCategory(catalog: Catalog, id: number): string {
  let c = categories.get(catalog)
  if (!c) categories.set(catalog, (c = catalog.items.map((it) => it.category.toLowerCase())))
  return c[id] ?? ''
}

const JUDGED = [
  'interest.willingness', 'interest.reasonableness', 'tag.relevance', 'tag.validity',
  'explanation.relevance', 'explanation.factuality', 'vs-user.relevance', 'vs-user.factuality', 'vs-user.clarity',
] as const

/**
 * recgpt's checks against the hidden truth, per round, on a sample of up to 2,000 present
 * users: interest precision, recall and hallucination, next-round tag hit rate, the judge's
 * rejection rate, clicks misled by a false claim, and the judge's accuracy and Cohen's κ per
 * criterion against the truth (`judge.*`) and against the users' own aspect scores (`judge.vs-user.*`).
 */
export const recgptMetrics: Record<string, MetricFn> = {
  'recgpt.interest.precision': (rows, ctx) => check(rows, ctx).precision,
  'recgpt.interest.recall': (rows, ctx) => check(rows, ctx).recall,
  'recgpt.interest.hallucinated': (rows, ctx) => check(rows, ctx).hallucinated,
  'recgpt.tag.hr': (rows, ctx) => check(rows, ctx).tagHr,
  'recgpt.explanation.rejected': (rows, ctx) => check(rows, ctx).rejected,
  'recgpt.explanation.misled-clicks': (rows, ctx) => check(rows, ctx).misled,
  ...Object.fromEntries(
    JUDGED.flatMap((name) => [
      [`judge.${name}.acc`, ((rows, ctx) => check(rows, ctx).judge[name]?.accuracy() ?? Number.NaN) as MetricFn],
      [`judge.${name}.kappa`, ((rows, ctx) => check(rows, ctx).judge[name]?.kappa() ?? Number.NaN) as MetricFn],
    ]),
  ),
}
