import { z } from 'zod'
import { personaBrief } from './persona-text.ts'

/** evaluate-slate's input and output (apart from the task, so its profile can use them without a cycle). */
const slateItem = z.object({
  id: z.number().int().nonnegative(),
  title: z.string(),
  category: z.string(),
  tags: z.array(z.string()),
  price: z.number(),
  /** The recommender's explanation shown with the item, if any. */
  explanation: z.string().optional(),
})

export const evaluateSlateInput = z.object({
  persona: personaBrief,
  /** Expectation level in [0, 1] this round. */
  expectation: z.number().min(0).max(1),
  memory: z.object({ visits: z.number().int(), satisfaction: z.number(), recentTitles: z.array(z.string()) }),
  slate: z.array(slateItem).max(50),
  /** Items friends shared, shown beside the slate with the friend's comment (the social layer). */
  shared: z.array(slateItem.extend({ friends: z.number().int().positive(), comment: z.string() })).max(10).optional(),
  /** Simulator-only: perceived fit per slate position in [0, 1]; never shown in a prompt. */
  hidden: z.object({
    fit: z.array(z.number()),
    maxClicks: z.number().int().min(0),
    ratingMean: z.number(),
    ratingSpread: z.number(),
    /** Attributes this user never wants: opening such an item is inconsistent (critics check it). */
    hardDislikes: z.array(z.string()),
    /**
     * Fit as experienced once opened, when it differs from the fit perceived on the slate (an
     * explanation moved the perception): satisfaction and ratings follow this one.
     */
    experienced: z.array(z.number()).optional(),
    /**
     * A fitted choice model's view of the slate (data-driven personas): the conditional-logit
     * logit per position (not clicking is 0) and the perceived utility (the expected rating
     * minus the user's mean).
     */
    choice: z.object({ logits: z.array(z.number()), utilities: z.array(z.number()), ratingNoise: z.number().nonnegative().optional() }).optional(),
    /** Perceived fit of each shared item, friends' influence included. */
    sharedFit: z.array(z.number()).optional(),
  }),
})
export type EvaluateSlateInput = z.infer<typeof evaluateSlateInput>

export const evaluateSlateOutput = z.object({
  clicks: z.array(z.number().int().nonnegative()).describe('ids of the items you open, best first; may be empty'),
  ratings: z
    .array(z.object({ item: z.number().int().nonnegative(), rating: z.number().int().min(1).max(5) }))
    .describe('a 1-5 rating for each item you opened'),
  satisfaction: z.number().min(0).max(1).describe('how well this feed met your expectation, 0 to 1'),
  reason: z.string().max(300).describe('one short sentence'),
})
export type EvaluateSlateOutput = z.infer<typeof evaluateSlateOutput>
