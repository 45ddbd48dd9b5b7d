import type { DecideContinueInput, DecideContinueOutput } from '../../../agents/users/ailo/tasks/decide-continue.ts'
import type { EvaluateSlateInput, EvaluateSlateOutput } from '../../../agents/users/ailo/tasks/evaluate-slate.ts'
import { registerCritic, type Critic } from '../critic.ts'

/** Stated satisfaction at or above this with only 1-star ratings (or the mirror) is a contradiction. */
const SATISFIED = 0.75
const DISSATISFIED = 0.25
/** Leaving with at least this satisfaction while under the patience threshold has no reason. */
const CONTENT = 0.6

/** Ratings that contradict the satisfaction the same answer states. */
export const ratingSatisfactionCritic: Critic<EvaluateSlateInput, EvaluateSlateOutput> = {
  name: 'rating-vs-satisfaction',
  check: (_input, out) => {
    if (!out.ratings.length) return null
    const mean = out.ratings.reduce((s, r) => s + r.rating, 0) / out.ratings.length
    if (out.satisfaction >= SATISFIED && mean <= 1.5) {
      return {
        kind: 'rating-vs-satisfaction',
        problem: `satisfaction ${out.satisfaction} with a mean rating of ${mean.toFixed(1)}`,
        critique: `You said you were satisfied (${out.satisfaction}) but rated everything you opened ${mean.toFixed(1)}/5. Make your ratings and your satisfaction agree.`,
      }
    }
    if (out.satisfaction <= DISSATISFIED && mean >= 4.5) {
      return {
        kind: 'rating-vs-satisfaction',
        problem: `satisfaction ${out.satisfaction} with a mean rating of ${mean.toFixed(1)}`,
        critique: `You said you were dissatisfied (${out.satisfaction}) but rated what you opened ${mean.toFixed(1)}/5. Make your ratings and your satisfaction agree.`,
      }
    }
    return null
  },
}

/** Opening an item carrying an attribute the persona never wants. */
export const hardDislikeCritic: Critic<EvaluateSlateInput, EvaluateSlateOutput> = {
  name: 'hard-dislike-click',
  check: (input, out) => {
    const bad = offending(input, out)
    if (!bad.length) return null
    const what = bad.map((b) => `"${b.title}" (${b.tag})`).join(', ')
    return {
      kind: 'hard-dislike-click',
      problem: `opened ${what}: attribute(s) the persona never wants`,
      critique: `You opened ${what}, but you never want ${[...new Set(bad.map((b) => b.tag))].join(', ')}. Choose again without those items.`,
    }
  },
  repair: (input, out) => {
    const drop = new Set(offending(input, out).map((b) => b.id))
    return { ...out, clicks: out.clicks.filter((c) => !drop.has(c)), ratings: out.ratings.filter((r) => !drop.has(r.item)) }
  },
}

function offending(input: EvaluateSlateInput, out: EvaluateSlateOutput): { id: number; title: string; tag: string }[] {
  const hard = new Set(input.hidden.hardDislikes ?? [])
  if (!hard.size) return []
  const byId = new Map(input.slate.map((s) => [s.id, s]))
  const bad: { id: number; title: string; tag: string }[] = []
  for (const id of out.clicks) {
    const item = byId.get(id)
    const tag = item?.tags.find((t) => hard.has(t))
    if (item && tag) bad.push({ id, title: item.title, tag })
  }
  return bad
}

/** Leaving while content and under the patience threshold: no reason to go. */
export const leaveWhileSatisfiedCritic: Critic<DecideContinueInput, DecideContinueOutput> = {
  name: 'leave-while-satisfied',
  check: (input, out) => {
    if (out.decision !== 'leave') return null
    if (input.satisfaction < CONTENT || input.hidden.pressure >= input.hidden.patience) return null
    return {
      kind: 'leave-while-satisfied',
      problem: `left with satisfaction ${input.satisfaction} and pressure ${input.hidden.pressure.toFixed(3)} below patience ${input.hidden.patience.toFixed(3)}`,
      critique: `You are fairly satisfied (${input.satisfaction.toFixed(2)}) and not tired of the feed, yet you chose to leave. Decide again, consistently with how you feel.`,
    }
  },
}

registerCritic('evaluate-slate', ratingSatisfactionCritic)
registerCritic('evaluate-slate', hardDislikeCritic)
registerCritic('decide-continue', leaveWhileSatisfiedCritic)
