import { describe, expect, it } from 'vitest'
import { recoveryFromFlags } from '../../src/cli/recovery-flags.ts'
import { recoveryOf } from '../../src/config/index.ts'

describe('checkpoint, critic and guard flags', () => {
  it('no flags leave the configuration without a recovery field (defaults apply)', () => {
    expect(recoveryFromFlags({})).toBeUndefined()
    expect(recoveryOf({})).toMatchObject({ checkpointEvery: 1, keepCheckpoints: 5, critics: 'auto', maxReflections: 2, judgeShare: 0 })
  })

  it('parses cadence, critics, guards and the fallback', () => {
    const r = recoveryFromFlags({
      checkpointEvery: '3',
      keepCheckpoints: '0',
      critics: 'on',
      guard: ['fallback-share=0.2', 'error-share=0.05', 'metric.ctr=0.01..0.6'],
      guardFallback: 'temperature=0,model=small',
    })
    expect(r).toEqual({
      checkpointEvery: 3,
      keepCheckpoints: 0,
      critics: 'on',
      guards: { maxFallbackShare: 0.2, maxErrorShare: 0.05, metrics: { ctr: [0.01, 0.6] }, fallback: { temperature: 0, model: 'small' } },
    })
    expect(recoveryOf({ recovery: r }).guards.fallback).toEqual({ temperature: 0, model: 'small' })
  })

  it('refuses bad values naming the flag', () => {
    expect(() => recoveryFromFlags({ checkpointEvery: 'x' })).toThrow(/--checkpoint-every must be a number/)
    expect(() => recoveryFromFlags({ checkpointEvery: '0' })).toThrow(/checkpointEvery/)
    expect(() => recoveryFromFlags({ critics: 'maybe' })).toThrow(/critics/)
    expect(() => recoveryFromFlags({ guard: ['metric.ctr=high'] })).toThrow(/--guard metric.ctr expects LOW..HIGH/)
    expect(() => recoveryFromFlags({ guard: ['speed=1'] })).toThrow(/--guard expects/)
    expect(() => recoveryFromFlags({ guard: ['metric.ctr=0.9..0.1'] })).toThrow(/low <= high/)
    expect(() => recoveryFromFlags({ guardFallback: 'gpt' })).toThrow(/--guard-fallback expects/)
  })
})
