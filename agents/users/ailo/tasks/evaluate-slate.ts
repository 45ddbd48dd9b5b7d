import { chooseFromSlate, defineTask, type Rng } from '../../../../src/core/index.ts'
import { personaText } from './persona-text.ts'
import { evaluateSlateInput, evaluateSlateOutput, type EvaluateSlateInput, type EvaluateSlateOutput } from './evaluate-slate-schema.ts'
import { evaluateSlateDistill } from './evaluate-slate-distill.ts'

export { evaluateSlateInput, evaluateSlateOutput, type EvaluateSlateInput, type EvaluateSlateOutput } from './evaluate-slate-schema.ts'

const TAU = 0.08

/** Logit choice with a no-click option, then ratings: the surrogate of the judgement. */
export function surrogateEvaluate(input: EvaluateSlateInput, rng: Rng): EvaluateSlateOutput {
  if (input.hidden.choice) return choiceEvaluate(input, input.hidden.choice, rng)
  const { maxClicks, ratingMean, ratingSpread } = input.hidden
  const e = input.expectation
  const slateN = Math.min(input.hidden.fit.length, input.slate.length)
  // Friends' shares are candidates beside the slate (none without the social layer).
  const shared = input.shared ?? []
  const sharedN = Math.min(shared.length, input.hidden.sharedFit?.length ?? 0)
  const fit = sharedN ? [...input.hidden.fit.slice(0, slateN), ...input.hidden.sharedFit!.slice(0, sharedN)] : input.hidden.fit
  const ids = sharedN ? [...input.slate.slice(0, slateN).map((s) => s.id), ...shared.slice(0, sharedN).map((s) => s.id)] : undefined
  const n = slateN + sharedN
  // Ratings and satisfaction follow the experienced fit where an explanation moved the perceived one.
  const experienced = input.hidden.experienced
  const felt = experienced ? [...experienced.slice(0, slateN), ...fit.slice(slateN, n)] : fit
  const taken = new Uint8Array(n)
  const clicks: number[] = []
  const ratings: { item: number; rating: number }[] = []
  for (let c = 0; c < maxClicks; c++) {
    let z = Math.exp((e + 0.05) / TAU)
    for (let j = 0; j < n; j++) if (!taken[j]) z += Math.exp(fit[j]! / TAU)
    let u = rng.next() * z - Math.exp((e + 0.05) / TAU)
    if (u < 0) break
    let chosen = -1
    for (let j = 0; j < n; j++) {
      if (taken[j]) continue
      u -= Math.exp(fit[j]! / TAU)
      chosen = j
      if (u < 0) break
    }
    if (chosen < 0) break
    taken[chosen] = 1
    const item = ids ? ids[chosen]! : input.slate[chosen]!.id
    clicks.push(item)
    const r = Math.round(ratingMean + ratingSpread * 3 * (felt[chosen]! - e) + 0.35 * rng.normal())
    ratings.push({ item, rating: Math.min(5, Math.max(1, r)) })
  }
  // Satisfaction is with the feed: the slate only, as experienced.
  const sorted = [...felt.slice(0, slateN)].sort((a, b) => b - a)
  const top = sorted.slice(0, 3)
  const conf = top.length ? top.reduce((s, x) => s + x, 0) / top.length - e : -e
  const satisfaction = 1 / (1 + Math.exp(-6 * conf))
  const reason =
    conf > 0.1 ? 'Several picks match what I like.' : conf < -0.1 ? 'Mostly not what I hoped for.' : 'A mixed feed.'
  return { clicks, ratings, satisfaction: Math.round(satisfaction * 1e4) / 1e4, reason }
}

/**
 * The surrogate with a fitted choice model: clicks are sequential conditional-logit draws
 * among the slate and not clicking; each opened item is rated the user's mean plus its
 * perceived utility (the calibrated rating model) plus the model's fitted rating noise; satisfaction is the probability the
 * slate holds something the user takes, 1 − 1/(1 + Σ exp(logit)).
 */
function choiceEvaluate(input: EvaluateSlateInput, choice: { logits: number[]; utilities: number[]; ratingNoise?: number }, rng: Rng): EvaluateSlateOutput {
  const noise = choice.ratingNoise ?? 0.35
  const n = Math.min(choice.logits.length, input.slate.length)
  const picks = chooseFromSlate(choice.logits.slice(0, n), input.hidden.maxClicks, rng)
  const clicks = picks.map((j) => input.slate[j]!.id)
  const ratings = picks.map((j, k) => ({
    item: clicks[k]!,
    rating: Math.min(5, Math.max(1, Math.round(input.hidden.ratingMean + choice.utilities[j]! + noise * rng.normal()))),
  }))
  let sum = 0
  for (let j = 0; j < n; j++) sum += Math.exp(Math.min(30, choice.logits[j]!))
  const satisfaction = 1 - 1 / (1 + sum)
  const reason = satisfaction > 0.7 ? 'Several picks match what I like.' : satisfaction < 0.4 ? 'Mostly not what I hoped for.' : 'A mixed feed.'
  return { clicks, ratings, satisfaction: Math.round(satisfaction * 1e4) / 1e4, reason }
}

export const evaluateSlate = defineTask({
  name: 'evaluate-slate',
  version: 1,
  input: evaluateSlateInput,
  output: evaluateSlateOutput,
  prompt: (i) => [
    {
      role: 'system',
      content:
        'You simulate one user of a recommendation feed. Judge the feed against your expectation ' +
        'and your tastes. Open only items you would really choose (possibly none), rate each opened ' +
        'item 1-5, and report your satisfaction from 0 to 1. Answer with JSON only.',
    },
    { role: 'system', content: personaText(i.persona) },
    {
      role: 'user',
      content:
        `Visits so far: ${i.memory.visits}. Satisfaction so far: ${i.memory.satisfaction.toFixed(2)}. ` +
        `Recently watched: ${i.memory.recentTitles.join('; ') || 'nothing yet'}.\n` +
        `Your expectation for this feed (0-1): ${i.expectation.toFixed(2)}.\nFeed:\n` +
        i.slate.map((s, k) => `${k + 1}. [id ${s.id}] ${s.title} (${s.category}; ${s.tags.join(', ')}; $${s.price})${s.explanation ? ` — "${s.explanation}"` : ''}`).join('\n') +
        (i.shared?.length
          ? '\nShared by your friends (you may open these too):\n' +
            i.shared.map((s) => `- [id ${s.id}] ${s.title} (${s.category}; ${s.tags.join(', ')}; $${s.price}), shared by ${s.friends === 1 ? 'a friend' : `${s.friends} friends`}: "${s.comment}"`).join('\n')
          : ''),
    },
  ],
  surrogate: surrogateEvaluate,
  distill: evaluateSlateDistill,
})
