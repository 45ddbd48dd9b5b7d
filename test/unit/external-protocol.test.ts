import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  checkRecommendResponse,
  infoResponse,
  learnRequest,
  PROTOCOL,
  recommendRequest,
  recommendResponse,
  resetRequest,
} from '../../src/external/protocol.ts'
import { protocolSchemaText, SCHEMA_FILE } from '../../src/external/write-schema.ts'

describe('external policy protocol (usersim.policy.v1)', () => {
  it('docs/external-policies.schema.json is up to date', () => {
    const onDisk = readFileSync(SCHEMA_FILE, 'utf8')
    expect(onDisk === protocolSchemaText(), 'docs/external-policies.schema.json is out of date: run `npx tsx src/external/write-schema.ts`').toBe(true)
  })

  it('accepts the documented examples and ignores unknown fields', () => {
    const run = { id: 'feed-20260101-120000-abcd', seed: 7 }
    expect(infoResponse.parse({ protocol: PROTOCOL, name: 'rearec', wants: { history: true, candidates: false, utterances: false }, maxBatch: 512 }).maxBatch).toBe(512)
    expect(resetRequest.parse({ protocol: PROTOCOL, run, catalog: { size: 1682 }, agents: 20000, slate: 10, extra: 1 })).not.toHaveProperty('extra')
    const req = recommendRequest.parse({
      protocol: PROTOCOL, run, round: 3, k: 2,
      users: [{ id: 12, history: [5, 40], candidates: null }, { id: 13, history: [], utterances: [{ kind: 'request', text: 'more jazz' }] }],
    })
    expect(req.users).toHaveLength(2)
    const res = recommendResponse.parse({ slates: [{ user: 12, items: [7, 9], scores: [2.5, 1] }, { user: 13, items: [1] }] })
    expect(checkRecommendResponse(req, res, 100)).toEqual([])
    expect(learnRequest.parse({ protocol: PROTOCOL, run, round: -1, kind: 'history', interactions: [{ user: 1, slate: [3, 4], clicks: [3, 4], ratings: [5, 4] }] }).kind).toBe('history')
  })

  it('rejects what the protocol forbids', () => {
    const run = { id: 'r', seed: 1 }
    const it1 = { user: 1, slate: [3], clicks: [3], ratings: [5] }
    expect(learnRequest.safeParse({ protocol: PROTOCOL, run, round: 0, kind: 'history', interactions: [] }).success).toBe(false)
    expect(learnRequest.safeParse({ protocol: PROTOCOL, run, round: -1, kind: 'round', interactions: [] }).success).toBe(false)
    expect(learnRequest.safeParse({ protocol: PROTOCOL, run, round: 0, kind: 'round', interactions: [{ ...it1, ratings: [] }] }).success).toBe(false)
    expect(learnRequest.safeParse({ protocol: PROTOCOL, run, round: 0, kind: 'round', interactions: [{ ...it1, ratings: [6] }] }).success).toBe(false)
    expect(resetRequest.safeParse({ protocol: 'usersim.policy.v2', run, catalog: { size: 5 }, agents: 1, slate: 1 }).success).toBe(false)
    expect(recommendRequest.safeParse({ protocol: PROTOCOL, run, round: 0, k: 0, users: [] }).success).toBe(false)
    expect(recommendRequest.safeParse({ protocol: PROTOCOL, run, round: 0, k: 1, users: [{ id: 1, history: [-1] }] }).success).toBe(false)
  })

  it('checkRecommendResponse names each problem', () => {
    const req = recommendRequest.parse({
      protocol: PROTOCOL, run: { id: 'r', seed: 1 }, round: 0, k: 2,
      users: [{ id: 1, history: [] }, { id: 2, history: [], candidates: [4, 5] }],
    })
    const res = recommendResponse.parse({ slates: [{ user: 1, items: [3, 3, 10] }, { user: 9, items: [6], scores: [1, 2] }] })
    expect(checkRecommendResponse(req, res, 10)).toEqual([
      'slates[0].items: 3 items, more than k = 2',
      'slates[0].items[1]: 3 appears twice',
      'slates[0].items[2]: 10 is not a catalog id (size 10)',
      'slates[1].user: expected 2 (the order of users), got 9',
      "slates[1].items[0]: 6 is not one of the user's candidates",
      'slates[1].scores: 2 scores for 1 items',
    ])
    expect(checkRecommendResponse(req, { slates: [] }, 10)).toEqual(['slates: expected 2 (one per user), got 0'])
  })
})
