import { z } from 'zod'
import { defineTask, type Rng } from '../../../../src/core/index.ts'
import { personaBrief, personaText, type PersonaBrief } from './persona-text.ts'

export const writeUtteranceInput = z.object({
  persona: personaBrief,
  kind: z.enum(['complaint', 'request', 'praise']),
  satisfaction: z.number().min(0).max(1),
  /** Titles and attributes the utterance is about. */
  about: z.object({ titles: z.array(z.string()), tags: z.array(z.string()) }),
})
export type WriteUtteranceInput = z.infer<typeof writeUtteranceInput>

export const writeUtteranceOutput = z.object({ text: z.string().min(1).max(400) })
export type WriteUtteranceOutput = z.infer<typeof writeUtteranceOutput>

const OPENERS: Record<PersonaBrief['tone'], string[]> = {
  friendly: ['Hey!', 'Hi there,', 'Thanks, but'],
  neutral: ['', 'Note:', 'Feedback:'],
  blunt: ['Honestly,', 'Look,', 'Seriously,'],
}

/** Template text shaped by the persona's linguistic style. */
export function surrogateUtterance(i: WriteUtteranceInput, rng: Rng): WriteUtteranceOutput {
  const p = i.persona
  const opener = rng.pick(OPENERS[p.tone])
  const tag = i.about.tags.length ? rng.pick(i.about.tags) : rng.pick(p.likes.length ? p.likes : ['something new'])
  const title = i.about.titles.length ? rng.pick(i.about.titles) : ''
  let core: string
  if (i.kind === 'complaint') {
    core =
      p.expressionStyle === 'questioning'
        ? `why do I keep getting ${tag} stuff${title ? ` like "${title}"` : ''}?`
        : `too much ${tag} in my feed${title ? `, "${title}" is not for me` : ''}.`
  } else if (i.kind === 'request') {
    core =
      p.expressionStyle === 'questioning' ? `could you show me more ${tag} titles?` : `show me more ${tag} titles.`
  } else {
    core = `${title ? `"${title}" was` : 'these were'} great, exactly the ${tag} kind I enjoy.`
  }
  let text = `${opener} ${core}`.trim()
  if (p.informationDensity === 'high') text += ` I mostly like ${p.likes.join(', ')} and avoid ${p.dislikes.join(', ') || 'little'}.`
  else if (p.informationDensity === 'medium' && p.favouriteCategories.length) text += ` I am into ${p.favouriteCategories[0]}.`
  return { text: text.charAt(0).toUpperCase() + text.slice(1) }
}

export const writeUtterance = defineTask({
  name: 'write-utterance',
  version: 1,
  input: writeUtteranceInput,
  output: writeUtteranceOutput,
  prompt: (i) => [
    {
      role: 'system',
      content:
        'You simulate one user of a recommendation feed writing a short message to the service, in your ' +
        'own voice and style. One or two sentences. Answer with JSON only: {"text": "..."}.',
    },
    { role: 'system', content: personaText(i.persona) },
    {
      role: 'user',
      content: `Write a ${i.kind}. Your satisfaction: ${i.satisfaction.toFixed(2)}. About: ${[...i.about.titles.map((t) => `"${t}"`), ...i.about.tags].join(', ') || 'the feed in general'}.`,
    },
  ],
  surrogate: surrogateUtterance,
})
