import { z } from 'zod'
import { defineTask, type Rng } from '../../../../src/core/index.ts'
import { personaBrief, personaText } from './persona-text.ts'

const clickedItem = z.object({
  id: z.number().int().nonnegative(),
  title: z.string(),
  category: z.string(),
  price: z.number().nonnegative(),
})

export const decidePurchaseInput = z.object({
  persona: personaBrief,
  /** What the user is ready to spend on this visit. */
  budget: z.number().nonnegative(),
  /** The items the user opened this visit, in the order opened. */
  opened: z.array(clickedItem).max(50),
  /**
   * Simulator-only, never shown in a prompt: the perceived utility of each opened item in
   * [0, 1] (aligned with `opened`), the expectation it is judged against, and how much
   * price weighs (1 = typical).
   */
  hidden: z.object({
    value: z.array(z.number().min(0).max(1)),
    expectation: z.number().min(0).max(1),
    priceSensitivity: z.number().nonnegative(),
  }),
})
export type DecidePurchaseInput = z.infer<typeof decidePurchaseInput>

export const decidePurchaseOutput = z.object({
  cart: z.array(z.number().int().nonnegative()).describe('ids of the opened items you add to your cart; may be empty'),
  order: z.array(z.number().int().nonnegative()).describe('ids of the cart items you buy now, within your budget; may be empty'),
  reason: z.string().max(300).describe('one short sentence'),
})
export type DecidePurchaseOutput = z.infer<typeof decidePurchaseOutput>

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))

/**
 * The surrogate of the purchase decision. Each opened item goes to the cart with a chance
 * that rises with how far its utility clears the expectation and falls with its price
 * relative to the budget (times the user's price sensitivity); a carted item is bought
 * with a chance of the same form, steeper, and only if it still fits the budget left.
 */
export function surrogatePurchase(input: DecidePurchaseInput, rng: Rng): DecidePurchaseOutput {
  const { value, expectation, priceSensitivity } = input.hidden
  const budget = Math.max(input.budget, 1e-6)
  const cart: number[] = []
  const order: number[] = []
  let left = input.budget
  input.opened.forEach((it, j) => {
    const margin = (value[j] ?? 0) - expectation
    const cost = priceSensitivity * (it.price / budget)
    if (rng.next() >= sigmoid(6 * margin - 1.2 * cost - 1.2)) return
    cart.push(it.id)
    if (it.price > left) return
    if (rng.next() >= sigmoid(5 * margin - 2 * cost - 0.2)) return
    order.push(it.id)
    left -= it.price
  })
  const reason = order.length ? 'Worth the money.' : cart.length ? 'Saving it for later.' : input.opened.length ? 'Not worth the price.' : 'Nothing caught my eye.'
  return { cart, order, reason }
}

export const decidePurchase = defineTask({
  name: 'decide-purchase',
  version: 1,
  input: decidePurchaseInput,
  output: decidePurchaseOutput,
  prompt: (i) => [
    {
      role: 'system',
      content:
        'You simulate one shopper. For each product you opened, decide whether to add it to your cart, ' +
        'and which cart items to buy now. Buy only what you really want at that price; the total you buy ' +
        'must stay within your budget. Answer with JSON only.',
    },
    { role: 'system', content: personaText(i.persona) },
    {
      role: 'user',
      content:
        `Your budget for this visit: $${i.budget.toFixed(2)}.\nProducts you opened:\n` +
        (i.opened.map((s, k) => `${k + 1}. [id ${s.id}] ${s.title} (${s.category}; $${s.price})`).join('\n') || '(none)'),
    },
  ],
  surrogate: surrogatePurchase,
})
