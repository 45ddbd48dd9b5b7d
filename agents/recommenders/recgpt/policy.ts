import { definePolicy, type Catalog, type Policy, type RecommendContext, type Rng, type UserView } from '../../../src/core/index.ts'
import { claimsOf, claimVocabulary } from '../../explanations/claims.ts'
import type { ExplanationVerdict } from '../../judge/criteria.ts'
import { judgeExplanations, judgeInterests, judgeTags } from '../../judge/judge-tasks.ts'
import { rankByScore, takeRanked } from '../popularity.ts'
import { summarizeHistory, type HistoryAttribute } from './history-summary.ts'
import { asRecgptMemory, type RecgptMemory } from './memory.ts'
import { recgptMetrics } from './metrics.ts'
import { parseRecgptOptions, type RecgptOptions } from './options.ts'
import { retrieveByTags, tagMatches } from './retrieve.ts'
import { explainItems } from './tasks/explain-items.ts'
import { mineInterests } from './tasks/mine-interests.ts'
import { predictTags } from './tasks/predict-tags.ts'

export interface RecgptState {
  /** Prior popularity plus clicks observed: the collaborative signal. */
  score: Float64Array
}

export interface RecgptSnapshot {
  /** Collaborative score in [0, 1] (log-scaled popularity). */
  collab: Float32Array
  order: Int32Array
}

/**
 * RecGPT (arXiv 2507.22879) as a policy under test: interest mining → tag prediction →
 * tag-aware retrieval → explanation, each a typed task (a model or its surrogate), with the
 * shared judge filtering interests, tags and explanations (see docs/llm-recommenders.md).
 */
export function recgptPolicy(raw: Record<string, unknown> = {}): Policy<RecgptState, RecgptSnapshot> {
  const o = parseRecgptOptions(raw)
  return definePolicy({
    name: 'recgpt',
    init: (ctx) => ({ score: Float64Array.from(ctx.catalog.items, (it) => it.popularity * ctx.agents * 0.5) }),
    snapshot: (s) => {
      let max = 0
      for (const x of s.score) max = Math.max(max, x)
      const norm = Math.log1p(max) || 1
      return { collab: Float32Array.from(s.score, (x) => Math.log1p(x) / norm), order: rankByScore(s.score) }
    },
    recommend: (snap, user, k, rng, ctx) => recommendOne(o, snap, user, k, rng, ctx),
    learn: (s, feedback) => {
      const score = Float64Array.from(s.score)
      for (const it of feedback.interactions) for (const c of it.clicks) score[c]! += 1
      return { score }
    },
    metrics: recgptMetrics,
  })
}

async function recommendOne(o: RecgptOptions, snap: RecgptSnapshot, user: UserView, k: number, rng: Rng, ctx: RecommendContext) {
  const { catalog } = ctx
  const judging = o.judge !== 'off'
  const filtering = o.judge === 'filter'
  const summary = summarizeHistory(user.history, catalog)
  const said = user.utterances.filter((u) => u.kind === 'request' || u.kind === 'complaint' || u.kind === 'command').map((u) => u.text).slice(0, 5)

  const mined = (
    await ctx.task(mineInterests, {
      history: summary,
      recentTitles: user.history.slice(-3).map((id) => catalog.items[id]?.title ?? String(id)),
      said,
      saidAttributes: [...new Set(said.flatMap((t) => claimsOf(t, claimVocabulary(catalog))))].slice(0, 20),
      hidden: { hallucination: o.hallucination, unrelated: unrelatedAttributes(summary, catalog, rng) },
    })
  ).interests.map((x) => x.interest.toLowerCase().trim()).filter((x, i, all) => x && all.indexOf(x) === i).slice(0, 5)
  const minedVerdicts = judging && mined.length ? fit((await ctx.task(judgeInterests, { history: summary, interests: mined })).verdicts, mined.length) : null
  const interests = filtering && minedVerdicts ? mined.filter((_, i) => minedVerdicts[i]?.reasonableness !== false) : mined

  const predicted = interests.length
    ? (await ctx.task(predictTags, { interests, history: summary, categories: catalog.categories })).tags.map((t) => t.toLowerCase().trim()).filter((t, i, all) => t && all.indexOf(t) === i).slice(0, 12)
    : []
  const predictedMatches = predicted.map((t) => tagMatches(t, catalog))
  const tagVerdicts = judging && predicted.length ? fit((await ctx.task(judgeTags, { interests, tags: predicted, hidden: { matches: predictedMatches } })).verdicts, predicted.length) : null
  const tags = filtering && tagVerdicts ? predicted.filter((_, i) => tagVerdicts[i]?.validity !== false && tagVerdicts[i]?.consistency !== false) : predicted

  const items = retrieveByTags(tags, catalog, snap.collab, snap.order, user.history, k, { semanticWeight: o.semanticWeight, poolSize: o.poolSize })
  if (items.length < k) for (const id of takeRanked(snap.order, [...user.history, ...items], k - items.length)) items.push(id)

  const prev = asRecgptMemory(user.memory)
  const memory: RecgptMemory = {
    round: ctx.round, mined, minedVerdicts, interests, predicted, predictedMatches, tagVerdicts, tags, prevTags: prev?.tags ?? [],
  }
  if (!o.explain) return { items, memory }
  const { explanations, explained } = await explainSlate(o, items, interests, catalog, ctx)
  memory.explained = explained
  return { items, memory, explanations }
}

/**
 * Explains the slate; with the judge filtering, rejected explanations are rewritten (a new
 * draft, seeded by the call count) up to `judgeAttempts` times, then replaced by a plain
 * sentence naming only the item's own attributes.
 */
async function explainSlate(o: RecgptOptions, items: number[], interests: string[], catalog: Catalog, ctx: RecommendContext) {
  const vocab = claimVocabulary(catalog)
  const brief = (id: number) => {
    const it = catalog.items[id]!
    return { id, title: it.title, category: it.category, tags: it.tags }
  }
  const draft = async (ids: number[]) => fit((await ctx.task(explainItems, { interests, items: ids.map(brief), hidden: { hallucination: o.hallucination } })).explanations, ids.length, '')
  const judge = async (ids: number[], texts: string[], claims: string[][]) =>
    fit((await ctx.task(judgeExplanations, { interests, items: ids.map((id, j) => ({ ...brief(id), explanation: texts[j]! })), hidden: { claims } })).verdicts, ids.length)

  const texts = await draft(items)
  const claims = texts.map((t) => claimsOf(t, vocab))
  const draftClaims = claims.map((c) => [...c])
  const draftVerdicts = o.judge === 'off' ? null : await judge(items, texts, claims)
  const shownVerdicts: Array<ExplanationVerdict | null> | null = draftVerdicts ? [...draftVerdicts] : null
  let rejected = 0
  if (o.judge === 'filter' && draftVerdicts) {
    let failing = items.map((_, j) => j).filter((j) => !passes(draftVerdicts[j]))
    rejected = failing.length
    for (let attempt = 0; attempt < o.judgeAttempts && failing.length; attempt++) {
      const ids = failing.map((j) => items[j]!)
      const redrafts = await draft(ids)
      const reclaims = redrafts.map((t) => claimsOf(t, vocab))
      const verdicts = await judge(ids, redrafts, reclaims)
      failing.forEach((j, f) => {
        texts[j] = redrafts[f]!
        claims[j] = reclaims[f]!
        shownVerdicts![j] = verdicts[f] ?? null
      })
      failing = failing.filter((_, f) => !passes(verdicts[f]))
    }
    for (const j of failing) {
      const it = catalog.items[items[j]!]!
      texts[j] = `A ${it.tags.slice(0, 2).join(' and ')} ${it.category}.`
      claims[j] = claimsOf(texts[j]!, vocab)
      shownVerdicts![j] = null
    }
  }
  return {
    explanations: texts.map((t, j) => t || `A ${catalog.items[items[j]!]!.category}.`),
    explained: { items: [...items], draftClaims, draftVerdicts, shownClaims: claims, shownVerdicts, rejected },
  }
}

const passes = (v: ExplanationVerdict | undefined) => !!v && v.factuality && v.safety && v.clarity

/** A model's list cut or padded to n (a model may answer with too few or too many entries). */
function fit<T>(list: readonly T[], n: number, pad?: T): T[] {
  const out = list.slice(0, n)
  while (out.length < n) out.push(pad as T)
  return out
}

/** A few catalog attributes the history does not show (what an unsupported interest looks like). */
function unrelatedAttributes(summary: readonly HistoryAttribute[], catalog: Catalog, rng: Rng): string[] {
  const seen = new Set(summary.map((h) => h.attribute))
  const pool = [...catalog.categories, ...catalog.tags].map((x) => x.toLowerCase()).filter((x) => !seen.has(x))
  const out: string[] = []
  for (let i = 0; i < 3 && pool.length; i++) out.push(pool.splice(rng.int(pool.length), 1)[0]!)
  return out
}
