import { z } from 'zod'
import { defineTask, type Rng } from '../../../../src/core/index.ts'
import { personaBrief, personaText } from '../../ailo/tasks/persona-text.ts'
import { facet, type Facet } from '../target.ts'

export const feedCommandInput = z.object({
  persona: personaBrief,
  feed: z.array(z.object({ title: z.string(), price: z.number() })).max(50),
  /** What to say this round: decided by the agent from the feed and its hidden conditions. */
  intent: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('facet'), facet, category: z.string(), dominant: z.string().optional() }),
    z.object({ kind: z.literal('composite'), facets: z.array(facet) }),
    z.object({ kind: z.literal('drift'), from: z.string(), to: z.string() }),
    z.object({ kind: z.literal('stop') }),
    z.object({ kind: z.literal('give-up') }),
  ]),
  previous: z.array(z.string()).max(20),
  /** How often the user says a value in everyday words instead of the catalog's (0–1). */
  style: z.object({ paraphrase: z.number().min(0).max(1) }),
  /** Simulator-only: the target item, which the user must never name. */
  hidden: z.object({ target: z.object({ title: z.string() }) }),
})
export type FeedCommandInput = z.infer<typeof feedCommandInput>

export const feedCommandOutput = z.object({ text: z.string().min(1).max(300) })
export type FeedCommandOutput = z.infer<typeof feedCommandOutput>

/**
 * Everyday words for catalog values. A real shopper does not speak the catalog's
 * vocabulary; the surrogate uses these now and then (rate `paraphrase`), which a
 * vocabulary-bound parser may miss, as a model-written user's words would be.
 */
const PARAPHRASES: Record<string, string[]> = {
  long: ['ankle-length', 'maxi'],
  short: ['mini'],
  midi: ['knee-length'],
  'light blue': ['sky blue', 'pale blue'],
  navy: ['dark blue'],
  floral: ['flowery', 'with flowers'],
  striped: ['stripy'],
  plaid: ['tartan', 'checked'],
  plain: ['solid-colour'],
  warm: ['cosy'],
  elegant: ['classy'],
  casual: ['relaxed'],
}

const plural = (w: string) => (w === 'jeans' ? w : /(s|sh|ch|x)$/.test(w) ? `${w}es` : `${w}s`)

function facetPhrase(f: Facet, category: string, dominant: string | undefined, rng: Rng, paraphrase: number): string {
  const say = (v: string) => (PARAPHRASES[v] && rng.next() < paraphrase ? rng.pick(PARAPHRASES[v]!) : v)
  switch (f.kind) {
    case 'category':
      return dominant ? `these are all ${plural(dominant)}, show me ${plural(f.value)}` : `show me ${plural(f.value)}`
    case 'attr':
      if (f.attr === 'length' && dominant) return `these are all ${dominant} ${plural(category)} - show me ${say(f.value)} ones`
      if (dominant && rng.next() < 0.5) return `too much ${dominant}, I want ${say(f.value)}`
      return rng.pick([`${say(f.value)} please`, `in ${say(f.value)}`, `something in ${say(f.value)}`])
    case 'price':
      return rng.pick([`around ${f.around}`, `around ${f.around} please`, `something around $${f.around}`])
    case 'avoid':
      return rng.pick([`nothing ${say(f.value)}`, `no ${say(f.value)} please`, `nothing ${say(f.value)} please`])
    case 'soft':
      return rng.pick([`something more ${say(f.value)}`, `more ${say(f.value)} ones`])
  }
}

function composite(facets: readonly Facet[]): string {
  const cat = facets.find((f) => f.kind === 'category')?.value ?? 'item'
  const length = facets.find((f) => f.kind === 'attr' && f.attr === 'length')
  const parts = [`${length && length.kind === 'attr' ? `${length.value} ` : ''}${plural(cat)}`]
  for (const f of facets) {
    if (f.kind === 'attr' && f.attr !== 'length') parts[0] += ` in ${f.value}`
    if (f.kind === 'price') parts.push(`around ${f.around}`)
    if (f.kind === 'avoid') parts.push(`nothing ${f.value}`)
    if (f.kind === 'soft') parts.push(`something ${f.value}`)
  }
  return `I'm looking for ${parts.join(', ')}`
}

/** Template commands shaped by the persona's tone: the surrogate of the user's voice. */
export function surrogateCommand(i: FeedCommandInput, rng: Rng): FeedCommandOutput {
  const p = i.persona
  let core: string
  switch (i.intent.kind) {
    case 'facet':
      core = facetPhrase(i.intent.facet, i.intent.category, i.intent.dominant, rng, i.style.paraphrase)
      break
    case 'composite':
      core = composite(i.intent.facets)
      break
    case 'drift':
      core = `I no longer want ${i.intent.from}, show me ${i.intent.to} instead`
      break
    case 'stop':
      core = rng.pick(['perfect', 'perfect, thanks', 'this is exactly it'])
      break
    case 'give-up':
      core = 'forget it, this feed is not getting there'
      break
  }
  const prefix = i.intent.kind === 'stop' || i.intent.kind === 'give-up' ? '' : p.tone === 'blunt' ? rng.pick(['', 'Come on, ']) : p.tone === 'friendly' ? rng.pick(['', 'Hi! ']) : ''
  const text = `${prefix}${core}`
  return { text: text.charAt(0).toUpperCase() + text.slice(1) }
}

/** The feed user's voice: says this round's intent as a short command grounded in the feed. */
export const feedCommand = defineTask({
  name: 'feed-command',
  version: 1,
  input: feedCommandInput,
  output: feedCommandOutput,
  prompt: (i) => [
    {
      role: 'system',
      content:
        'You simulate a shopper using a recommendation feed that obeys natural-language commands. Write the one short command ' +
        '(under 20 words) that says your intent, referring to what you see in the feed when it helps ("these are all short - show long ones"). ' +
        'Never name a specific product title. Answer with JSON only: {"text": "..."}.',
    },
    { role: 'system', content: personaText(i.persona) },
    {
      role: 'user',
      content:
        `Feed:\n${i.feed.map((f, k) => `${k + 1}. ${f.title} ($${f.price})`).join('\n')}\n` +
        `Your earlier commands: ${i.previous.map((c) => `"${c}"`).join(', ') || 'none'}.\nIntent: ${JSON.stringify(i.intent)}`,
    },
  ],
  surrogate: surrogateCommand,
})
