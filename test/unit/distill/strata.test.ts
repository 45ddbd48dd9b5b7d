import { describe, expect, it } from 'vitest'
import { buildRunConfig, createShardEnv } from '../../../src/runner/index.ts'
import { clusterKey, stratifiedSample, withModelSample } from '../../../src/distill/strata.ts'

describe('the model-backed sample of a hybrid run', () => {
  it('covers every persona cluster in proportion, and is the same for the same seed', async () => {
    const { config } = await buildRunConfig('feed', { agents: 3000, rounds: 1, catalogSize: 300, seed: 3 })
    const s = await stratifiedSample(config, 0.05)
    const env = await createShardEnv(config)
    const all = new Map<string, number>()
    for (let a = 0; a < config.agents; a++) all.set(clusterKey(env.persona(a)), (all.get(clusterKey(env.persona(a))) ?? 0) + 1)
    const sampled = new Map<string, number>()
    for (const a of s.agents) sampled.set(clusterKey(env.persona(a)), (sampled.get(clusterKey(env.persona(a))) ?? 0) + 1)
    expect(s.strata).toBe(all.size)
    expect([...all.keys()].every((k) => (sampled.get(k) ?? 0) >= 1)).toBe(true)
    for (const [k, n] of all) expect(Math.abs(sampled.get(k)! - Math.max(1, Math.round(0.05 * n)))).toBe(0)
    expect((await stratifiedSample(config, 0.05)).agents).toEqual(s.agents)
    const other = await stratifiedSample({ ...config, seed: 4 }, 0.05)
    expect(other.agents).not.toEqual(s.agents)
    const withSample = await withModelSample({ ...config, hybrid: { modelShare: 0.05, prices: {}, redistill: false } })
    expect(withSample.hybrid?.modelAgents).toEqual(s.agents)
  })
})
