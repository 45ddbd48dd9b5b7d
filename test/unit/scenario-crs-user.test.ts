import { describe, expect, it } from 'vitest'
import { rngFor } from '../../src/core/index.ts'
import { crsUserTurnOutput, surrogateUserTurn, type CrsUserTurnInput } from '../../agents/users/crs-user/index.ts'
import { targetLeakCritic } from '../../src/correction/critics/target-leak.ts'
import { readCommand } from '../../agents/recommenders/recbot/index.ts'

const target = { id: 7, title: 'Silent Harbor', category: 'drama', tags: ['dark', 'slow-paced'], price: 12 }
const base: CrsUserTurnInput = {
  persona: { name: 'Ada', activityType: 'detail', likes: ['dark'], dislikes: [], favouriteCategories: ['drama'], informationDensity: 'medium', expressionStyle: 'direct', tone: 'neutral' },
  history: [{ role: 'user', text: 'Any suggestions for me?' }],
  system: { text: 'Which genre do you usually enjoy?', action: 'ask', asksAbout: 'category' },
  turn: 0,
  maxTurns: 5,
  hidden: { target, revealed: [], stated: { tags: [] }, recommendedBefore: [] },
}

describe('AILO conversational user (surrogate)', () => {
  it('answers a clarification with one detail of the target and never its title', () => {
    for (let s = 0; s < 50; s++) {
      const out = crsUserTurnOutput.parse(surrogateUserTurn(base, rngFor(s)))
      expect(out.policy).toBe('respond_to_clarification')
      expect(out.response).toMatch(/drama/)
      expect(out.response.toLowerCase()).not.toContain('silent harbor')
      expect(targetLeakCritic.check(base, out)).toBeNull()
      expect(out.ratings.recommendation).toBe(0)
    }
  })

  it('rates a repeated question as incoherent and an ignored wish as inflexible (ECT deductions with reasons)', () => {
    const repeat = surrogateUserTurn({ ...base, hidden: { ...base.hidden, stated: { category: 'drama', tags: [] }, revealed: ['category'] } }, rngFor(1))
    expect(repeat.ratings.deductions.coherence).toBe(2)
    expect(repeat.ratings.expression).toBe(3)
    expect(repeat.ratings.expressionReason).toMatch(/already answered/)
    const wrong = surrogateUserTurn(
      { ...base, system: { text: 'I recommend "Bright Orbit".', action: 'recommend', item: { title: 'Bright Orbit', category: 'comedy', tags: ['funny'], price: 9 } }, hidden: { ...base.hidden, stated: { category: 'drama', tags: ['dark'] } } },
      rngFor(1),
    )
    expect(wrong.ratings.deductions.flexibility).toBe(2)
    expect(wrong.ratings.recommendation).toBeGreaterThanOrEqual(1)
    expect(wrong.policy).toBe('provide_feedback')
    const hit = surrogateUserTurn({ ...base, system: { text: 'I recommend "Silent Harbor".', action: 'recommend', item: target } }, rngFor(1))
    expect(hit.ratings.recommendation).toBe(5)
    expect(hit.policy).toBe('end_conversation')
  })

  it('the target-leak critic flags a reply that names the target', () => {
    const out = { ...surrogateUserTurn(base, rngFor(3)), response: 'I want Silent Harbor.' }
    expect(targetLeakCritic.check(base, out)?.kind).toBe('target-leak')
  })
})

describe('command grammar', () => {
  it('reads a drift command as an overwrite', () => {
    const r = readCommand('I no longer want light blue, show me beige instead', { attrs: { color: ['light blue', 'beige'] }, categories: ['skirt'], softTags: [] })
    expect(r.overwrite).toBe(true)
    expect(r.delta.negative.hard).toEqual([{ attr: 'color', op: 'eq', value: 'light blue' }])
    expect(r.delta.positive.hard).toEqual([{ attr: 'color', op: 'eq', value: 'beige' }])
  })
})
