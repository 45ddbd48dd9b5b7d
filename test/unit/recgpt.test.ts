import { describe, expect, it } from 'vitest'
import { claimsOf, claimVocabulary, falseClaims } from '../../agents/explanations/claims.ts'
import { attributeLift, trueInterests } from '../../agents/explanations/true-interests.ts'
import { Agreement } from '../../agents/judge/agreement.ts'
import { judgeExplanationSurrogate } from '../../agents/judge/judge-tasks.ts'
import { summarizeHistory } from '../../agents/recommenders/recgpt/history-summary.ts'
import { parseRecgptOptions } from '../../agents/recommenders/recgpt/options.ts'
import { retrieveByTags, tagMatches } from '../../agents/recommenders/recgpt/retrieve.ts'
import { surrogateExplainItems } from '../../agents/recommenders/recgpt/tasks/explain-items.ts'
import { surrogateMineInterests } from '../../agents/recommenders/recgpt/tasks/mine-interests.ts'
import { surrogatePredictTags } from '../../agents/recommenders/recgpt/tasks/predict-tags.ts'
import { surrogateRateExplanations } from '../../agents/users/ailo/tasks/rate-explanations.ts'
import { generateCatalog, generatePersona, rngFor } from '../../src/core/index.ts'

const catalog = generateCatalog({ seed: 3, size: 600 })
const vocab = claimVocabulary(catalog)
const item = { id: 0, title: 'Quiet Harbor', category: 'drama', tags: ['light', 'funny'] }

describe('explanation claims', () => {
  it('finds the catalog attributes a sentence names, and which do not hold for the item', () => {
    const claims = claimsOf('Because you enjoy dark and funny titles, this drama is light.', vocab)
    expect(claims).toEqual(['dark', 'funny', 'drama', 'light'])
    expect(falseClaims(claims, item)).toEqual(['dark'])
  })
})

describe('the judge surrogate', () => {
  it('fails factuality on a false claim, relevance without an interest, clarity on a fragment, safety on a listed word', () => {
    const ok = judgeExplanationSurrogate({ ...item, explanation: 'Because you enjoy funny titles, this drama is light and funny.' }, ['funny', 'drama', 'light'], ['funny'])
    expect(ok).toEqual({ relevance: true, factuality: true, clarity: true, safety: true })
    const lie = judgeExplanationSurrogate({ ...item, explanation: 'Because you enjoy dark titles, this drama is dark and light.' }, ['dark', 'drama', 'light'], ['dark'])
    expect(lie.factuality).toBe(false)
    expect(lie.relevance).toBe(false)
    expect(judgeExplanationSurrogate({ ...item, explanation: 'Drama.' }, ['drama'], []).clarity).toBe(false)
    expect(judgeExplanationSurrogate({ ...item, explanation: 'A guaranteed light drama for people who like light dramas a lot.' }, ['light', 'drama'], []).safety).toBe(false)
  })
})

describe('Agreement', () => {
  it('gives accuracy and Cohen kappa', () => {
    const a = new Agreement()
    // 2x2 table: yes/yes 20, yes/no 5, no/yes 10, no/no 15 → po 0.7, pe 0.5·0.6+0.5·0.4 = 0.5, κ 0.4
    for (let i = 0; i < 20; i++) a.add(true, true)
    for (let i = 0; i < 5; i++) a.add(true, false)
    for (let i = 0; i < 10; i++) a.add(false, true)
    for (let i = 0; i < 15; i++) a.add(false, false)
    expect(a.accuracy()).toBeCloseTo(0.7)
    expect(a.kappa()).toBeCloseTo(0.4)
    expect(new Agreement().kappa()).toBeNaN()
  })
})

describe('the user rating explanations', () => {
  const persona = { name: 'A', activityType: 'detail' as const, likes: ['dark', 'funny'], dislikes: [], favouriteCategories: ['drama'], informationDensity: 'medium' as const, expressionStyle: 'direct' as const, tone: 'neutral' as const }
  it('scores a false claim as not factual, and a claim about a like as persuasive', () => {
    const texts = ['Because you enjoy dark titles, this drama is dark and light.', 'A light and funny drama.', 'A title.']
    const out = surrogateRateExplanations(
      { persona, items: texts.map((explanation) => ({ ...item, explanation })), hidden: { claims: texts.map((t) => claimsOf(t, vocab)), fit: [0.5, 0.5, 0.5] } },
      rngFor(1),
    )
    const [lie, plain, empty] = out.aspects
    expect(lie!.factuality).toBeLessThan(1)
    expect(plain!.factuality).toBe(1)
    expect(lie!.persuasiveness).toBeGreaterThan(empty!.persuasiveness)
    expect(plain!.informativeness).toBeGreaterThan(empty!.informativeness)
  })
})

describe('the recgpt pipeline pieces', () => {
  const history = [1, 2, 3, 4, 5]
  const summary = summarizeHistory(history, catalog)
  it('compresses a history by attribute, newer items weighing more', () => {
    expect(summary.length).toBeGreaterThan(3)
    const newest = catalog.items[5]!.category.toLowerCase()
    expect(summary.find((s) => s.attribute === newest)!.weight).toBeGreaterThanOrEqual(1)
    expect(summary.map((s) => s.weight)).toEqual([...summary.map((s) => s.weight)].sort((a, b) => b - a))
  })
  it('mines stated interests first, then supported ones; hallucinates only when told to', () => {
    const base = { history: summary, recentTitles: [], said: ['more spooky please'], saidAttributes: ['spooky'] }
    const honest = surrogateMineInterests({ ...base, hidden: { hallucination: 0, unrelated: ['epic'] } }, rngFor(1))
    expect(honest.interests[0]!.interest).toBe('spooky')
    expect(honest.interests.map((i) => i.interest)).not.toContain('epic')
    const liar = surrogateMineInterests({ ...base, hidden: { hallucination: 1, unrelated: ['epic'] } }, rngFor(1))
    expect(liar.interests.map((i) => i.interest)).toContain('epic')
  })
  it('predicts modifier + core tags and retrieves the items they describe first', () => {
    const tags = surrogatePredictTags({ interests: ['light'], history: [{ attribute: 'drama', weight: 2 }, { attribute: 'light', weight: 1 }], categories: catalog.categories }).tags
    expect(tags[0]).toBe('light drama')
    expect(tagMatches('light drama', catalog)).toBeGreaterThan(0)
    const collab = new Float32Array(catalog.items.length)
    const order = Int32Array.from(catalog.items.map((i) => i.id))
    const slate = retrieveByTags(tags, catalog, collab, order, [], 5, { semanticWeight: 0.7 })
    expect(slate).toHaveLength(5)
    const full = tagMatches('light drama', catalog)
    const attrs = (id: number) => [catalog.items[id]!.category, ...catalog.items[id]!.tags]
    // Items carrying the whole tag come first, then items carrying part of it.
    slate.slice(0, Math.min(5, full)).forEach((id) => expect(attrs(id)).toEqual(expect.arrayContaining(['drama', 'light'])))
    slate.slice(full).forEach((id) => expect(attrs(id).some((a) => a === 'drama' || a === 'light')).toBe(true))
  })
  it('explains with true claims unless hallucinating', () => {
    const items = catalog.items.slice(0, 20).map((it) => ({ id: it.id, title: it.title, category: it.category, tags: it.tags }))
    const honest = surrogateExplainItems({ interests: ['drama', 'light', 'dark'], items, hidden: { hallucination: 0 } }, rngFor(2)).explanations
    honest.forEach((t, j) => expect(falseClaims(claimsOf(t, vocab), catalog.items[j]!)).toEqual([]))
    const liar = surrogateExplainItems({ interests: ['drama', 'light', 'dark'], items, hidden: { hallucination: 1 } }, rngFor(2)).explanations
    expect(liar.filter((t, j) => falseClaims(claimsOf(t, vocab), catalog.items[j]!).length > 0).length).toBeGreaterThan(10)
  })
  it('refuses unknown or out-of-range options, naming the known ones', () => {
    expect(() => parseRecgptOptions({ semanticWeigth: 0.5 })).toThrow(/known: semanticWeight/)
    expect(() => parseRecgptOptions({ semanticWeight: 2 })).toThrow(/semanticWeight/)
    expect(parseRecgptOptions({ explain: 0, judge: 'audit' })).toMatchObject({ explain: false, judge: 'audit' })
  })
})

describe('true interests', () => {
  it('come from the hidden utility and recover what built the taste', () => {
    const p = generatePersona(1, { seed: 3, catalog })
    const truth = trueInterests(p, catalog)
    const lift = attributeLift(p, catalog)
    expect(truth.length).toBeGreaterThan(0)
    for (const t of truth) expect(lift.get(t)!).toBeGreaterThanOrEqual(0.15)
    const stated = new Set([...p.likes.map((l) => l.tag), ...p.favouriteCategories])
    expect(truth.filter((t) => stated.has(t)).length).toBeGreaterThanOrEqual(Math.min(2, truth.length))
  })
})
