import { defineTask } from '../../../../src/core/index.ts'
import { personaText } from './persona-text.ts'
import { decideContinueInput, decideContinueOutput } from './decide-continue-schema.ts'
import { decideContinueDistill } from './decide-continue-distill.ts'

export { decideContinueInput, decideContinueOutput, type DecideContinueInput, type DecideContinueOutput } from './decide-continue-schema.ts'

export const decideContinue = defineTask({
  name: 'decide-continue',
  version: 1,
  input: decideContinueInput,
  output: decideContinueOutput,
  prompt: (i) => [
    {
      role: 'system',
      content:
        'You simulate one user of a recommendation feed deciding whether to keep using it next time ' +
        'or leave the session. Tired or disappointed users leave. Answer with JSON only.',
    },
    { role: 'system', content: personaText(i.persona) },
    {
      role: 'user',
      content: `Visits: ${i.visits}. Items opened this time: ${i.clicked}. Satisfaction: ${i.satisfaction.toFixed(2)}. Fatigue: ${i.fatigue.toFixed(2)}. Continue or leave?`,
    },
  ],
  surrogate: (i, rng) => {
    const p = 1 / (1 + Math.exp(-(i.hidden.pressure - i.hidden.patience) / 0.06))
    const leave = rng.next() < p
    return {
      decision: leave ? 'leave' : 'continue',
      reason: leave ? (i.satisfaction < 0.45 ? 'Not finding what I want.' : 'That is enough for now.') : 'Worth another look.',
    }
  },
  distill: decideContinueDistill,
})
