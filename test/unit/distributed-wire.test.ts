import { describe, expect, it } from 'vitest'
import { packRows, type OutcomeRow, type ShardResult } from '../../src/core/index.ts'
import { checkRedisUrl, decodeResult, encodeResult, redactRedisUrl, shardJobSchema } from '../../src/runner/bullmq/index.ts'

function row(agent: number, clicks: number[]): OutcomeRow {
  return {
    agent, round: 2, present: agent % 3 !== 0, returned: agent === 5, slate: [agent, agent + 1, agent + 2], clicks, ratings: clicks.map(() => 4),
    satisfaction: agent / 10, left: agent === 7, ndcg: agent === 4 ? 0.5 : Number.NaN, ild: 0.25, novelty: 3.5, violations: agent % 2, utterances: agent === 6 ? [{ kind: 'complaint', text: 'too samey ✓' }] : [],
  }
}

function result(): ShardResult {
  const rows = Array.from({ length: 6 }, (_, k) => row(4 + k, k % 2 ? [4 + k] : []))
  return {
    runId: 'feed-1', round: 2, shard: 1, start: 4, end: 10, rows: packRows(rows, 2, 4, 4),
    states: JSON.stringify(rows.map((r) => ({ s: r.satisfaction }))), awayBefore: 2,
    errors: [{ agent: 8, round: 2, message: 'boom' }], taskCounts: { 'evaluate-slate': 4 }, calls: [],
  }
}

describe('shard result wire format', () => {
  it('round-trips every column, NaN included', () => {
    const r = result()
    const { result: back } = decodeResult(encodeResult(r), 'test')
    expect(back.rows.ndcg[0]).toBe(0.5)
    expect(Number.isNaN(back.rows.ndcg[1])).toBe(true)
    expect(back).toEqual(r)
  })

  it('rejects truncated, padded and inconsistent payloads with the shard named', () => {
    const buf = encodeResult(result())
    expect(() => decodeResult(buf.subarray(0, buf.length - 3), 'shard 1 of round 2')).toThrow(/shard 1 of round 2: malformed result/)
    expect(() => decodeResult(Buffer.concat([buf, Buffer.from([0])]), 'x')).toThrow(/trailing bytes/)
    expect(() => decodeResult(Buffer.from('hello world'), 'x')).toThrow(/not a usersim shard result/)
    const r = result()
    r.rows.clickOffsets[3] = 0 // offsets going backwards
    expect(() => decodeResult(encodeResult(r), 'x')).toThrow(/click offsets/)
    const r2 = result()
    r2.end = 11 // rows no longer cover [start, end)
    expect(() => decodeResult(encodeResult(r2), 'x')).toThrow(/rows cover 6 agents/)
  })

  it('validates job payloads field by field', () => {
    const bad = shardJobSchema.safeParse({ v: 1, runId: 'a:b', round: -1 })
    expect(bad.success).toBe(false)
    const paths = bad.error!.issues.map((i) => i.path.join('.'))
    expect(paths).toEqual(expect.arrayContaining(['runId', 'round', 'shard', 'config', 'codeHash']))
  })
})

describe('Redis URLs', () => {
  it('accepts password and TLS URLs and never echoes a password', () => {
    expect(checkRedisUrl('rediss://:s3cret@cache.example.com:6380/2')).toBe('rediss://:s3cret@cache.example.com:6380/2')
    expect(checkRedisUrl('redis://user:pw@10.0.0.5')).toBe('redis://user:pw@10.0.0.5')
    expect(redactRedisUrl('rediss://:s3cret@h:6380')).toBe('rediss://:***@h:6380')
    expect(redactRedisUrl('redis://user:pw@h')).toBe('redis://user:***@h')
    expect(() => checkRedisUrl('http://:s3cret@h')).toThrow(/must start with redis:\/\/ or rediss:\/\/.*http:\/\/:\*\*\*@h/)
    expect(() => checkRedisUrl('redis://h/abc')).toThrow(/database number/)
  })
})
