import { z } from 'zod'
import { defineTask, type Rng } from '../../../../src/core/index.ts'
import { personaBrief, personaText, type PersonaBrief } from './persona-text.ts'

export const shareItemInput = z.object({
  persona: personaBrief,
  item: z.object({ id: z.number().int().nonnegative(), title: z.string(), category: z.string(), tags: z.array(z.string()) }),
  /** The rating the user gave the item (1-5). */
  rating: z.number().int().min(1).max(5),
  satisfaction: z.number().min(0).max(1),
  /** How many friends would see the share. */
  friends: z.number().int().nonnegative(),
  /** A friend shared it first (a reshare), with this comment. */
  via: z.object({ comment: z.string() }).optional(),
  /** Simulator-only: the chance of sharing, from satisfaction, rating and persona (never in a prompt). */
  hidden: z.object({ p: z.number().min(0).max(1) }),
})
export type ShareItemInput = z.infer<typeof shareItemInput>

export const shareItemOutput = z.object({
  share: z.boolean().describe('true to share the item with your friends'),
  comment: z.string().max(200).describe('what you write with the share, one short sentence (empty if you do not share)'),
})
export type ShareItemOutput = z.infer<typeof shareItemOutput>

const PRAISE: Record<PersonaBrief['tone'], string[]> = {
  friendly: ['You will love this:', 'Had to share this one:', 'Made my day:'],
  neutral: ['Worth a look:', 'Recommended:', 'Good one:'],
  blunt: ['Watch this.', 'Best thing in my feed:', 'Do not skip this:'],
}

/** Shares with the hidden probability; the comment is shaped by the persona's tone. */
export function surrogateShare(i: ShareItemInput, rng: Rng): ShareItemOutput {
  if (i.friends === 0 || rng.next() >= i.hidden.p) return { share: false, comment: '' }
  const tag = i.item.tags.length ? rng.pick(i.item.tags) : i.item.category
  const text = `${rng.pick(PRAISE[i.persona.tone])} "${i.item.title}" (${tag}).`
  return { share: true, comment: text.slice(0, 200) }
}

export const shareItem = defineTask({
  name: 'share-item',
  version: 1,
  input: shareItemInput,
  output: shareItemOutput,
  prompt: (i) => [
    {
      role: 'system',
      content:
        'You simulate one user of a recommendation feed who has friends on the platform. Decide whether you ' +
        'would share an item you just opened with your friends, and what you would write. Most people share ' +
        'rarely. Answer with JSON only: {"share": true|false, "comment": "..."}.',
    },
    { role: 'system', content: personaText(i.persona) },
    {
      role: 'user',
      content:
        `You opened "${i.item.title}" (${i.item.category}; ${i.item.tags.join(', ')}) and rated it ${i.rating}/5. ` +
        `Your satisfaction with the feed: ${i.satisfaction.toFixed(2)}. ${i.friends} friends would see a share.` +
        (i.via ? ` A friend shared it with you saying: "${i.via.comment}".` : '') +
        ' Share it?',
    },
  ],
  surrogate: surrogateShare,
})
