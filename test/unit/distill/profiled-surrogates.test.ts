import { describe, expect, it } from 'vitest'
import { rngFor } from '../../../src/core/index.ts'
import { surrogateEvaluate, type EvaluateSlateInput } from '../../../agents/users/ailo/tasks/evaluate-slate.ts'
import { EVALUATE_SLATE_DEFAULTS, evaluateSlateDistill, profiledEvaluate } from '../../../agents/users/ailo/tasks/evaluate-slate-distill.ts'
import { decideContinue, type DecideContinueInput } from '../../../agents/users/ailo/tasks/decide-continue.ts'
import { DECIDE_CONTINUE_DEFAULTS, decideContinueDistill, profiledDecide } from '../../../agents/users/ailo/tasks/decide-continue-distill.ts'

const TAGS = ['jazz', 'rock', 'drama', 'horror', 'comedy', 'news']
function slateInput(k: number): EvaluateSlateInput {
  const r = rngFor(99, k)
  const slate = Array.from({ length: 8 }, (_, j) => ({ id: 100 + j, title: `t${j}`, category: r.pick(['music', 'film']), tags: [r.pick(TAGS), r.pick(TAGS)], price: 5 + 40 * r.next() }))
  return {
    persona: { name: 'A', activityType: 'exploration', likes: ['jazz', 'drama'], dislikes: ['horror'], favouriteCategories: ['music'], informationDensity: 'low', expressionStyle: 'direct', tone: 'neutral' },
    expectation: 0.3 + 0.4 * r.next(),
    memory: { visits: 1, satisfaction: 0.5, recentTitles: [] },
    slate,
    hidden: { fit: slate.map(() => r.next()), maxClicks: 3, ratingMean: 3.5, ratingSpread: 0.8, hardDislikes: [] },
  }
}

describe('profiled surrogates', () => {
  it('reproduce the hand-written surrogates with the default parameters', () => {
    for (let k = 0; k < 200; k++) {
      const input = slateInput(k)
      expect(profiledEvaluate(input, rngFor(1, k), EVALUATE_SLATE_DEFAULTS)).toEqual(surrogateEvaluate(input, rngFor(1, k)))
      const d: DecideContinueInput = { persona: input.persona, satisfaction: input.expectation, fatigue: 0.2, visits: 2, clicked: 1, hidden: { pressure: input.hidden.fit[0]!, patience: 0.5 } }
      expect(profiledDecide(d, rngFor(2, k), DECIDE_CONTINUE_DEFAULTS)).toEqual(decideContinue.surrogate(d, rngFor(2, k)))
    }
  })

  it('recovers a click rule from answers alone: liked tags in, the rest out', () => {
    const rule = (i: EvaluateSlateInput) => i.slate.filter((s) => s.tags.some((t) => i.persona.likes.includes(t)) && !s.tags.includes('horror')).slice(0, 3).map((s) => s.id)
    const samples = Array.from({ length: 300 }, (_, k) => {
      const input = slateInput(k)
      const clicks = rule(input)
      return { input, output: { clicks, ratings: clicks.map((item) => ({ item, rating: 4 })), satisfaction: clicks.length / 3, reason: '' } }
    })
    const fitted = evaluateSlateDistill.fit(samples.slice(0, 200), EVALUATE_SLATE_DEFAULTS)
    const f1 = (p: typeof fitted) =>
      samples.slice(200).reduce((s, x, k) => s + evaluateSlateDistill.agreement(x.input, x.output, profiledEvaluate(x.input, rngFor(7, k), p)).clickF1!, 0) / 100
    expect(f1(EVALUATE_SLATE_DEFAULTS)).toBeLessThan(0.6)
    expect(f1(fitted)).toBeGreaterThan(0.8)
    expect(evaluateSlateDistill.params.safeParse(fitted).success).toBe(true)
    expect(decideContinueDistill.params.safeParse(DECIDE_CONTINUE_DEFAULTS).success).toBe(true)
  })
})
