import { describe, expect, it } from 'vitest'
import { runInLanes, shardLanes } from '../../src/runner/in-process/shard-lanes.ts'

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('shard lanes', () => {
  it('two lanes on a model backend, one on the surrogate', () => {
    expect(shardLanes(undefined)).toBe(1)
    expect(shardLanes({ backend: 'surrogate' })).toBe(1)
    expect(shardLanes({ backend: 'openai' } as never)).toBe(2)
  })

  it('starts items in order with at most `lanes` at once', async () => {
    const started: number[] = []
    let open = 0
    let peak = 0
    await runInLanes([30, 5, 5, 5, 5], 2, async (ms, i) => {
      started.push(i)
      peak = Math.max(peak, ++open)
      await tick(ms)
      open--
    })
    expect(started).toEqual([0, 1, 2, 3, 4])
    expect(peak).toBe(2)
  })

  it('after a failure starts nothing new, lets the running item finish, then throws the first error', async () => {
    const finished: number[] = []
    const run = runInLanes([1, 2, 3, 4], 2, async (n) => {
      if (n === 1) {
        await tick(5)
        throw new Error('shard 1 failed')
      }
      await tick(30)
      finished.push(n)
    })
    await expect(run).rejects.toThrow('shard 1 failed')
    expect(finished).toEqual([2])
  })
})
