import { describe, expect, it } from 'vitest'
import { evaluateSlate, type EvaluateSlateInput } from '../../../agents/users/ailo/tasks/evaluate-slate.ts'
import { decideContinue } from '../../../agents/users/ailo/tasks/decide-continue.ts'
import { scriptedUserAnswer } from '../../../src/llm/testing/scripted-user-model.ts'

const answer = scriptedUserAnswer()
const ask = (messages: ReturnType<typeof evaluateSlate.prompt>) => {
  const a = answer({ model: 'm', messages })
  if (!a || !('json' in a)) throw new Error('no scripted answer')
  return a.json as { clicks: number[]; ratings: { item: number; rating: number }[]; satisfaction: number }
}

const input = (fit: number[], prices: number[]): EvaluateSlateInput => ({
  persona: {
    name: 'Ann', activityType: 'detail', likes: ['jazz'], dislikes: ['horror'], favouriteCategories: ['music'],
    informationDensity: 'low', expressionStyle: 'direct', tone: 'neutral',
  },
  expectation: 0.5,
  memory: { visits: 1, satisfaction: 0.5, recentTitles: [] },
  slate: [
    { id: 10, title: 'A', category: 'music', tags: ['jazz'], price: prices[0]! },
    { id: 11, title: 'B', category: 'music', tags: ['jazz'], price: prices[1]! },
    { id: 12, title: 'C', category: 'film', tags: ['horror'], price: 5 },
    { id: 13, title: 'D', category: 'film', tags: ['drama'], price: 5 },
  ],
  hidden: { fit, maxClicks: 2, ratingMean: 3.5, ratingSpread: 1, hardDislikes: [] },
})

describe('the scripted user model (test bed of distillation)', () => {
  it('answers from what the prompt shows: stated likes, favourite categories, cheaper first', () => {
    const out = ask(evaluateSlate.prompt(input([0.1, 0.1, 0.9, 0.9], [40, 8])))
    expect(out.clicks).toEqual([11, 10])
    expect(out.ratings.every((r) => r.rating >= 3)).toBe(true)
    const pricier = ask(evaluateSlate.prompt(input([0.1, 0.1, 0.9, 0.9], [8, 40])))
    expect(pricier.clicks).toEqual([10, 11])
  })

  it('ignores the hidden fields the default surrogate acts on', () => {
    const a = ask(evaluateSlate.prompt(input([0.9, 0.9, 0.1, 0.1], [10, 20])))
    const b = ask(evaluateSlate.prompt(input([0.1, 0.1, 0.9, 0.9], [10, 20])))
    expect(a).toEqual(b)
  })

  it('leaves when tired and disappointed, stays when satisfied', () => {
    const persona = input([], []).persona
    const decide = (satisfaction: number, fatigue: number) => {
      const a = answer({ model: 'm', messages: decideContinue.prompt({ persona, satisfaction, fatigue, visits: 2, clicked: 0, hidden: { pressure: 0, patience: 1 } }) })
      return (a as { json: { decision: string } }).json.decision
    }
    expect(decide(0.2, 0.5)).toBe('leave')
    expect(decide(0.9, 0.1)).toBe('continue')
  })

  it('leaves other requests to the server default', () => {
    expect(answer({ model: 'm', messages: [{ role: 'system', content: 'something else' }] })).toBeUndefined()
  })
})
