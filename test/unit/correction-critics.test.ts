import { describe, expect, it } from 'vitest'
import type { EvaluateSlateInput, EvaluateSlateOutput } from '../../agents/users/ailo/tasks/evaluate-slate.ts'
import type { DecideContinueInput } from '../../agents/users/ailo/tasks/decide-continue.ts'
import { criticsFor, registerCritic, review } from '../../src/correction/critic.ts'
import { hardDislikeCritic, leaveWhileSatisfiedCritic, ratingSatisfactionCritic } from '../../src/correction/critics/ailo.ts'
import { targetLeakCritic } from '../../src/correction/critics/target-leak.ts'
import { checkGuards, type RoundHealth } from '../../src/correction/guards.ts'
import { recoveryOf } from '../../src/config/index.ts'
import type { RoundMetrics } from '../../src/metrics/index.ts'

const persona = {
  name: 'Ada',
  activityType: 'detail' as const,
  likes: ['jazz'],
  dislikes: ['horror', 'gore'],
  favouriteCategories: ['music'],
  informationDensity: 'low' as const,
  expressionStyle: 'direct' as const,
  tone: 'neutral' as const,
}

const slateInput: EvaluateSlateInput = {
  persona,
  expectation: 0.5,
  memory: { visits: 1, satisfaction: 0.5, recentTitles: [] },
  slate: [
    { id: 1, title: 'Blue Notes', category: 'music', tags: ['jazz'], price: 5 },
    { id: 2, title: 'Night Terror', category: 'film', tags: ['gore', 'thriller'], price: 3 },
  ],
  hidden: { fit: [0.8, 0.3], maxClicks: 2, ratingMean: 3.5, ratingSpread: 0.5, hardDislikes: ['gore'] },
}

const answer = (o: Partial<EvaluateSlateOutput>): EvaluateSlateOutput => ({ clicks: [1], ratings: [{ item: 1, rating: 4 }], satisfaction: 0.7, reason: 'ok', ...o })

describe('AILO critics', () => {
  it('rating vs satisfaction: flags 1-star ratings with high satisfaction and 5-star with low, passes consistent answers', () => {
    expect(ratingSatisfactionCritic.check(slateInput, answer({ ratings: [{ item: 1, rating: 1 }], satisfaction: 0.9 }))?.kind).toBe('rating-vs-satisfaction')
    expect(ratingSatisfactionCritic.check(slateInput, answer({ ratings: [{ item: 1, rating: 5 }], satisfaction: 0.1 }))?.critique).toMatch(/dissatisfied/)
    expect(ratingSatisfactionCritic.check(slateInput, answer({ ratings: [{ item: 1, rating: 4 }], satisfaction: 0.8 }))).toBeNull()
    expect(ratingSatisfactionCritic.check(slateInput, answer({ clicks: [], ratings: [], satisfaction: 0.95 }))).toBeNull()
  })

  it('hard dislike: flags a click on an item with a hard-disliked tag (not a soft dislike), and repairs by dropping it', () => {
    const bad = answer({ clicks: [2, 1], ratings: [{ item: 2, rating: 4 }, { item: 1, rating: 4 }] })
    const v = hardDislikeCritic.check(slateInput, bad)
    expect(v?.kind).toBe('hard-dislike-click')
    expect(v?.problem).toMatch(/Night Terror.*gore/)
    expect(hardDislikeCritic.repair!(slateInput, bad)).toMatchObject({ clicks: [1], ratings: [{ item: 1, rating: 4 }] })
    const soft = { ...slateInput, hidden: { ...slateInput.hidden, hardDislikes: ['horror'] } }
    expect(hardDislikeCritic.check(soft, bad)).toBeNull()
  })

  it('leave while satisfied: flags leaving when content and under the patience threshold only', () => {
    const input = (satisfaction: number, pressure: number): DecideContinueInput => ({ persona, satisfaction, fatigue: 0.1, visits: 3, clicked: 1, hidden: { pressure, patience: 0.5 } })
    expect(leaveWhileSatisfiedCritic.check(input(0.8, 0.2), { decision: 'leave', reason: 'bye' })?.kind).toBe('leave-while-satisfied')
    expect(leaveWhileSatisfiedCritic.check(input(0.8, 0.2), { decision: 'continue', reason: 'ok' })).toBeNull()
    expect(leaveWhileSatisfiedCritic.check(input(0.8, 0.7), { decision: 'leave', reason: 'tired' })).toBeNull()
    expect(leaveWhileSatisfiedCritic.check(input(0.3, 0.2), { decision: 'leave', reason: 'meh' })).toBeNull()
  })

  it('target leak: flags an utterance naming the hidden target (any task), case-insensitively', () => {
    const input = { hidden: { target: { id: 9, title: 'The Blue Fox' } }, persona }
    expect(targetLeakCritic.check(input, { text: 'I am looking for the blue fox, do you have it?' })?.kind).toBe('target-leak')
    expect(targetLeakCritic.check(input, { text: 'Something with a clever animal hero, please.' })).toBeNull()
    expect(targetLeakCritic.check({ hidden: { targetTitles: ['Dune'] } }, { turns: [{ said: 'dune again' }] })?.kind).toBe('target-leak')
    expect(targetLeakCritic.check({ persona }, { text: 'anything' })).toBeNull()
  })

  it('the registry is keyed by task name; scenarios add their own critics, and * applies to every task', () => {
    expect(criticsFor('evaluate-slate').map((c) => c.name)).toEqual(['rating-vs-satisfaction', 'hard-dislike-click', 'target-leak'])
    registerCritic('crs-reply', { name: 'too-long', check: (_i, o: { text: string }) => (o.text.length > 10 ? { kind: 'too-long', problem: 'long', critique: 'Shorter.' } : null) })
    expect(review(criticsFor('crs-reply'), {}, { text: 'a very long reply' })?.verdict.kind).toBe('too-long')
    expect(review(criticsFor('crs-reply'), {}, { text: 'short' })).toBeNull()
  })
})

describe('run guards', () => {
  const metrics = { present: 100, ctr: 0.2, satisfaction: 0.6, custom: { hits: 0.4 } } as unknown as RoundMetrics
  const health: RoundHealth = { calls: 200, fallbacks: 30, repairs: 2, flagged: 10, errors: 1, present: 100 }
  const guards = (g: Record<string, unknown>) => recoveryOf({ recovery: { guards: g } })

  it('trips on the first share above its maximum, with the figures', () => {
    expect(checkGuards(guards({ maxFallbackShare: 0.1 }), health, metrics)).toEqual({ guard: 'fallback-share', detail: { value: 0.15, max: 0.1, count: 30, of: 200 } })
    expect(checkGuards(guards({ maxFallbackShare: 0.2, maxRepairShare: 0.05, maxFlaggedShare: 0.1, maxErrorShare: 0.05 }), health, metrics)).toBeNull()
    expect(checkGuards(guards({ maxErrorShare: 0.005 }), health, metrics)?.guard).toBe('error-share')
  })

  it('trips on a metric outside its band, built-in or scenario metric, and on an unknown metric', () => {
    expect(checkGuards(guards({ metrics: { ctr: [0.3, 1] } }), health, metrics)).toEqual({ guard: 'metric:ctr', detail: { value: 0.2, band: [0.3, 1] } })
    expect(checkGuards(guards({ metrics: { hits: [0, 0.5], satisfaction: [0.5, 0.7] } }), health, metrics)).toBeNull()
    expect(checkGuards(guards({ metrics: { nosuch: [0, 1] } }), health, metrics)?.detail).toMatchObject({ problem: expect.stringMatching(/no number "nosuch"/) })
  })

  it('bad settings are a usage error naming the field', () => {
    expect(() => recoveryOf({ recovery: { guards: { maxFallbackShare: 2 } } })).toThrow(/maxFallbackShare/)
    expect(() => recoveryOf({ recovery: { checkpointEvery: 0 } })).toThrow(/checkpointEvery/)
  })
})
