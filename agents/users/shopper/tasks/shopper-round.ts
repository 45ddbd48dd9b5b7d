import { z } from 'zod'
import { defineTask, type Rng } from '../../../../src/core/index.ts'
import { personaBrief, personaText } from '../../ailo/tasks/persona-text.ts'

const slateItem = z.object({
  id: z.number().int().nonnegative(),
  title: z.string(),
  category: z.string(),
  price: z.number(),
  /** What the shopper pays (the price after a coupon). */
  pay: z.number(),
  /** Shown in a promoted recommendation slot. */
  promoted: z.boolean(),
})

export const shopperRoundInput = z.object({
  persona: personaBrief,
  /** What the marketer sent this round, as the shopper sees it. */
  offer: z.object({ kind: z.enum(['none', 'coupon', 'push', 'slot']), text: z.string() }),
  /** The shop's recommendations, in order (seen only when visiting). */
  slate: z.array(slateItem).max(50),
  recent: z.object({ purchases: z.number().int().nonnegative(), roundsSinceLastPurchase: z.number().int().nullable() }),
  /**
   * Simulator-only, never in a prompt: probabilities from the hidden truth and the uniform
   * draws they are compared with. Both arms of a twin evaluation get the same draws.
   */
  hidden: z.object({
    pVisit: z.number().min(0).max(1),
    uVisit: z.number().min(0).max(1),
    /** Click probability, perceived value and buying probability per slate position. */
    click: z.array(z.number().min(0).max(1)),
    value: z.array(z.number()),
    buy: z.array(z.number().min(0).max(1)),
    /** Uniform per slate position (keyed by item id, so an item keeps its draw in either arm). */
    uClick: z.array(z.number().min(0).max(1)),
    uBuy: z.number().min(0).max(1),
  }),
})
export type ShopperRoundInput = z.infer<typeof shopperRoundInput>

export const shopperRoundOutput = z.object({
  visit: z.boolean().describe('do you open the shop this time'),
  clicks: z.array(z.number().int().nonnegative()).describe('ids of the items you look at, if you visit; may be empty'),
  purchase: z.number().int().nonnegative().nullable().describe('id of the one item you buy (one you looked at), or null'),
  reason: z.string().max(300).describe('one short sentence'),
})
export type ShopperRoundOutput = z.infer<typeof shopperRoundOutput>

/** The surrogate: visit, click and buy by comparing the hidden probabilities with the hidden draws. */
export function surrogateShopperRound(i: ShopperRoundInput, _rng: Rng): ShopperRoundOutput {
  const h = i.hidden
  if (!(h.uVisit < h.pVisit)) return { visit: false, clicks: [], purchase: null, reason: 'Did not feel like shopping.' }
  const clicked: number[] = []
  for (let j = 0; j < i.slate.length; j++) if (h.uClick[j]! < h.click[j]!) clicked.push(j)
  if (!clicked.length) return { visit: true, clicks: [], purchase: null, reason: 'Nothing caught my eye.' }
  let best = clicked[0]!
  for (const j of clicked) if (h.value[j]! > h.value[best]!) best = j
  const buys = h.uBuy < h.buy[best]!
  return {
    visit: true,
    clicks: clicked.map((j) => i.slate[j]!.id),
    purchase: buys ? i.slate[best]!.id : null,
    reason: buys ? (i.slate[best]!.pay < i.slate[best]!.price ? 'Good item at a good price.' : 'Exactly what I wanted.') : 'Looked, but not worth it.',
  }
}

export const shopperRound = defineTask({
  name: 'shopper-round',
  version: 1,
  input: shopperRoundInput,
  output: shopperRoundOutput,
  prompt: (i) => [
    {
      role: 'system',
      content:
        'You simulate one customer of an online shop. Decide whether you open the shop this time, which ' +
        'recommended items you look at, and whether you buy one of them, the way this customer would: mind the ' +
        'prices, your tastes and how you feel about marketing messages. Answer with JSON only.',
    },
    { role: 'system', content: personaText(i.persona) },
    {
      role: 'user',
      content:
        `Your orders here so far: ${i.recent.purchases}` +
        (i.recent.roundsSinceLastPurchase === null ? ' (none yet).' : ` (the last one ${i.recent.roundsSinceLastPurchase} visit(s) ago).`) +
        `\nFrom the shop this time: ${i.offer.text}\nIf you open the shop, it recommends:\n` +
        i.slate
          .map((s, k) => `${k + 1}. [id ${s.id}] ${s.promoted ? '(featured) ' : ''}${s.title} (${s.category}; $${s.pay}${s.pay < s.price ? `, was $${s.price}` : ''})`)
          .join('\n'),
    },
  ],
  surrogate: surrogateShopperRound,
})
