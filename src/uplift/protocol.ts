/**
 * `usersim.uplift.v1`: the HTTP+JSON protocol between `usersim eval uplift` and an uplift
 * model that runs in its own process, in any language (docs/uplift.md). Pure: zod only.
 *
 * - `GET /info` → `{ protocol, name, features?, maxBatch? }`
 * - `POST /predict` ← `{ protocol, rows: [{ id, features: number[] }] }` → `{ uplift: number[] }`
 *   (one predicted uplift per row, in the order of `rows`).
 *
 * Receivers ignore fields they do not know, so a later minor addition breaks no one.
 *
 * @example
 * const body = predictRequest.parse({ protocol: UPLIFT_PROTOCOL, rows: [{ id: 0, features: [3, 1, 0.5] }] })
 * const answer = predictResponse.parse(await (await fetch(url + '/predict', { method: 'POST', body: JSON.stringify(body) })).json())
 */
import { z } from 'zod'

export const UPLIFT_PROTOCOL = 'usersim.uplift.v1' as const

export const UPLIFT_ENDPOINTS = {
  info: { method: 'GET', path: '/info' },
  predict: { method: 'POST', path: '/predict' },
} as const

const protocol = z.literal(UPLIFT_PROTOCOL).describe('Protocol name and version.')

/** `GET /info`: what the model is. */
export const upliftInfoResponse = z.object({
  protocol,
  name: z.string().min(1).describe('The model name (shown in the results).'),
  features: z.number().int().positive().optional().describe('How many features a row must have (checked before sending).'),
  maxBatch: z.number().int().positive().optional().describe('Most rows per /predict request (default: the client batch size).'),
})
export type UpliftInfo = z.infer<typeof upliftInfoResponse>

/** One row to score: an id (echoed for the server's logs) and the features f0…fN in order. */
export const predictRow = z.object({
  id: z.union([z.number(), z.string()]).describe('Row id.'),
  features: z.array(z.number()).describe('Features f0…fN, in column order.'),
})

export const predictRequest = z.object({ protocol, rows: z.array(predictRow).min(1) })
export type PredictRequest = z.infer<typeof predictRequest>

export const predictResponse = z.object({
  uplift: z.array(z.number()).describe('Predicted uplift (treated minus control) per row, in request order.'),
})
export type PredictResponse = z.infer<typeof predictResponse>
