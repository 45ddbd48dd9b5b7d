import { describe, expect, it } from 'vitest'
import { generateCatalog, rngFor } from '../../src/core/index.ts'
import { fashionCatalog } from '../../scenarios/interactive-feed/catalog.ts'
import {
  candidateView, crsRuleViolations, itemPhrase, retrieve, rewriteTurn, surrogateCrsTurn,
  type CrsConstraints, type CrsTurnInput, type CrsTurnOutput,
} from '../../agents/recommenders/crs/index.ts'
import { judgePair, type ScoreVector } from '../../src/datasets/crs-pair-verify.ts'

const catalog = generateCatalog({ seed: 3, size: 400 })

function context(constraints: CrsConstraints, over: Partial<CrsTurnInput> = {}): CrsTurnInput {
  const found = retrieve(catalog, constraints, 8, new Set())
  return {
    history: [{ role: 'user', text: 'Any suggestions for me?' }],
    constraints,
    candidates: found.map((id) => candidateView(catalog, id)),
    asked: [],
    rejected: [],
    turn: 1,
    maxTurns: 5,
    ...over,
  }
}

describe('CRS rules as checks on any turn', () => {
  const known = context({ category: 'comedy', tags: ['bleak'], notTags: [] }, { asked: ['category'] })
  const first = known.candidates[0]!
  it('flags each rule the CRS prompt states, and passes a turn that keeps them all', () => {
    expect(crsRuleViolations(known, '{"action": "ask"')).toEqual(['invalid-json'])
    expect(crsRuleViolations(known, { action: 'ask', slot: 'category', text: 'Which genre do you like?' })).toEqual(['reasks-known-slot'])
    // The slot the user hears counts even when the declared one differs.
    expect(crsRuleViolations(known, { action: 'ask', slot: 'price', text: 'What mood are you in?' })).toEqual(['reasks-known-slot'])
    expect(crsRuleViolations(known, { action: 'recommend', item: 99999, text: 'Try this.' })).toEqual(['item-not-in-results'])
    expect(crsRuleViolations({ ...known, rejected: [first.title] }, { action: 'recommend', item: first.id, text: `I recommend "${first.title}".` })).toContain('item-not-in-results')
    expect(crsRuleViolations(known, { action: 'recommend', item: first.id, text: 'I recommend this one.' })).toEqual(['title-not-named'])
    expect(crsRuleViolations(known, { action: 'ask', slot: 'price', text: `Is your budget under $10, like "${first.title}"?` })).toEqual(['title-leaked'])
    expect(crsRuleViolations(known, { action: 'respond', text: 'There are many good options out there.' })).toEqual(['no-way-forward'])
    expect(crsRuleViolations(known, { action: 'recommend', item: first.id, text: `I recommend "${first.title}".` })).toEqual([])
    expect(crsRuleViolations(known, { action: 'ask', slot: 'price', text: 'Do you have a budget in mind?' })).toEqual([])
  })

  it('the surrogate rewriter never writes a turn that breaks a rule (issue 23: 0 violations)', () => {
    const originals: CrsTurnOutput[] = [
      { action: 'respond', text: 'There are many good options out there.' },
      { action: 'ask', slot: 'category', text: 'What kind of genre are you in the mood for?' },
      { action: 'ask', slot: 'tags', text: 'What mood or style should it have?' },
    ]
    let n = 0
    for (let s = 0; s < 300; s++) {
      const rng = rngFor(s, 'ctx')
      const category = rng.next() < 0.6 ? rng.pick(catalog.categories) : undefined
      const tags = rng.next() < 0.5 ? [rng.pick(catalog.tags)] : []
      const ctx = context({ ...(category ? { category } : {}), tags, notTags: [] }, { asked: category ? ['category'] : [] })
      const recommended = ctx.candidates.at(-1)!
      for (const original of [...originals, { action: 'recommend' as const, item: recommended.id, text: `I recommend "${recommended.title}".` }]) {
        const out = rewriteTurn.surrogate({ context: ctx, original, score: 3, reasons: { expression: 'x', strategy: 'y', recommendation: 'z' }, deductions: { flexibility: 0, coherence: 2, guidance: 0 } }, rng)
        expect(crsRuleViolations(ctx, out.refinement), JSON.stringify({ ctx: ctx.constraints, out })).toEqual([])
        n++
      }
    }
    expect(n).toBe(1200)
  })

  it('verification keeps only a rewrite the rater scores higher on what it deducted and no lower elsewhere', () => {
    const v = (expression: number, strategy: number, recommendation: number, flexibility: number, coherence: number, guidance: number): ScoreVector => ({ expression, strategy, recommendation, deductions: { flexibility, coherence, guidance } })
    const reask = v(3, 2, 0, 0, 2, 0)
    expect(judgePair(reask, v(5, 4, 3, 0, 0, 0))).toMatchObject({ keep: true, gain: 2 })
    expect(judgePair(reask, v(3, 2, 0, 0, 2, 0))).toMatchObject({ keep: false, reason: 'verify:no-gain' })
    // Coherence fixed but flexibility newly deducted: worse elsewhere.
    expect(judgePair(reask, v(4, 4, 2, 1, 0, 0))).toMatchObject({ keep: false, reason: 'verify:worse-elsewhere' })
    expect(judgePair(reask, v(5, 1, 0, 0, 0, 0))).toMatchObject({ keep: false, reason: 'verify:worse-elsewhere' })
    expect(judgePair(v(3, 3, 4, 2, 0, 0), v(5, 4, 2, 0, 0, 0))).toMatchObject({ keep: false, reason: 'verify:worse-elsewhere' })
  })
})

// "a historical, short music ($8.88)": adjectives, category nouns and articles read as English.
describe('surrogate CRS text is grammatical for every catalog shape', () => {
  const ADJECTIVE_ONLY = ['sci-fi', 'animation', 'horror', 'fantasy', 'crime', 'music']
  const catalogs = [catalog, generateCatalog({ seed: 5, size: 200, categories: ['news', 'science', 'comedy'] }), fashionCatalog(7, 300)]
  it('no bare adjective-category as a noun, no "a" before a vowel, no raw attr:value tags, no doubled spaces or commas', () => {
    let checked = 0
    for (const cat of catalogs) {
      for (let s = 0; s < 150; s++) {
        const rng = rngFor(s, 'grammar')
        const it = cat.items[rng.int(cat.items.length)]!
        const ctx: CrsTurnInput = {
          history: [], constraints: { category: it.category, tags: it.tags.slice(0, 1 + rng.int(2)), notTags: [] },
          candidates: [candidateView(cat, it.id)], asked: ['category', 'tags'], rejected: [], turn: 3, maxTurns: 5,
        }
        const turns = [surrogateCrsTurn(ctx, rngFor(s, 'turn')), rewriteTurn.surrogate({ context: ctx, original: { action: 'respond', text: 'Hm.' }, score: 4, reasons: { expression: '', strategy: '', recommendation: '' }, deductions: { flexibility: 0, coherence: 0, guidance: 1 } }, rng).refinement]
        for (const t of turns) {
          const text = t.text.replace(/"[^"]*"/g, '"TITLE"')
          expect(text).not.toMatch(/\ba [aeiou]/i)
          expect(text).not.toMatch(/\ban [^aeiou\s]/i)
          expect(text).not.toMatch(/ {2}|,,|, ,|\w:\w/)
          for (const c of ADJECTIVE_ONLY) expect(text, text).not.toMatch(new RegExp(`\\b${c} \\(`))
          checked++
        }
      }
    }
    expect(checked).toBe(900)
    expect(itemPhrase({ category: 'music', tags: ['historical', 'short'] })).toBe('a historical and short music title')
    expect(itemPhrase({ category: 'comedy', tags: ['bleak', 'action-packed', 'quirky'] })).toBe('a bleak, action-packed and quirky comedy')
    expect(itemPhrase({ category: 'dress', tags: ['length:midi', 'color:navy'] })).toBe('a midi and navy dress')
    expect(itemPhrase({ category: 'animation', tags: [] })).toBe('an animation title')
  })
})
