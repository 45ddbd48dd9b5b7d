import { z } from 'zod'

/** The persona as a prompt may show it (never the hidden taste). */
export const personaBrief = z.object({
  name: z.string(),
  activityType: z.enum(['efficiency', 'detail', 'exploration']),
  likes: z.array(z.string()),
  dislikes: z.array(z.string()),
  favouriteCategories: z.array(z.string()),
  informationDensity: z.enum(['low', 'medium', 'high']),
  expressionStyle: z.enum(['direct', 'descriptive', 'questioning']),
  tone: z.enum(['friendly', 'neutral', 'blunt']),
})
export type PersonaBrief = z.infer<typeof personaBrief>

const ACTIVITY_TEXT = {
  efficiency: 'efficiency-seeking: wants a good pick fast and stops once satisfied',
  detail: 'detail-oriented: reads descriptions carefully and has high standards',
  exploration: 'exploration-oriented: enjoys discovering unfamiliar things',
} as const

/** Stable persona block: same for every step of this agent, so it caches as a prefix. */
export function personaText(p: PersonaBrief): string {
  return [
    `You are ${p.name}, a user of a recommendation feed.`,
    `Orientation: ${ACTIVITY_TEXT[p.activityType]}.`,
    `You like: ${p.likes.join(', ') || 'nothing in particular'}. You dislike: ${p.dislikes.join(', ') || 'nothing in particular'}.`,
    `Favourite categories: ${p.favouriteCategories.join(', ')}.`,
    `You write with ${p.informationDensity} information density, in a ${p.expressionStyle} style, with a ${p.tone} tone.`,
  ].join('\n')
}
