import type { Command } from 'commander'
import { z } from 'zod'
import { SimError } from '../core/index.ts'
import { recoverySchema } from '../config/index.ts'

/** Adds the checkpoint, critic and guard options to a command (`run`). */
export function addRecoveryOptions(cmd: Command): Command {
  const collect = (v: string, prev: string[] = []) => [...prev, v]
  return cmd
    .option('--checkpoint-every <k>', 'checkpoint after every K-th round (default 1; the last round always)')
    .option('--keep-checkpoints <n>', 'checkpoints kept per run, newest first (default 5; 0 = all)')
    .option('--critics <mode>', 'consistency critics with reflection: auto (models only), on, off', undefined)
    .option('--max-reflections <n>', 'regenerations of a flagged action (default 2)')
    .option('--max-agent-errors <share>', 'fail the run once more than this share of agent-steps threw (default 0.01; 1 = never)')
    .option('--judge-share <x>', 'share of actions also reviewed by the LLM judge (default 0)')
    .option('--guard <name=limit>', 'run guard: fallback-share|repair-share|flagged-share|error-share=MAX, or metric.NAME=LOW..HIGH (repeatable)', collect)
    .option('--guard-fallback <setting>', 'what a tripped guard replays with: surrogate, or key=value LLM overrides (e.g. temperature=0)')
}

const SHARES: Record<string, string> = {
  'fallback-share': 'maxFallbackShare',
  'repair-share': 'maxRepairShare',
  'flagged-share': 'maxFlaggedShare',
  'error-share': 'maxErrorShare',
}

/**
 * The `RunConfig.recovery` object from the options (undefined when none was given, so
 * configurations stay as they were). Validated here: a bad value names its flag.
 */
export function recoveryFromFlags(raw: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {}
  const num = (flag: string, v: unknown) => {
    const n = Number(v)
    if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new SimError('USAGE', `${flag} must be a number (got "${String(v)}")`)
    return n
  }
  if (raw.checkpointEvery !== undefined) out.checkpointEvery = num('--checkpoint-every', raw.checkpointEvery)
  if (raw.keepCheckpoints !== undefined) out.keepCheckpoints = num('--keep-checkpoints', raw.keepCheckpoints)
  if (raw.critics !== undefined) out.critics = raw.critics
  if (raw.maxReflections !== undefined) out.maxReflections = num('--max-reflections', raw.maxReflections)
  if (raw.maxAgentErrors !== undefined) out.maxAgentErrors = num('--max-agent-errors', raw.maxAgentErrors)
  if (raw.judgeShare !== undefined) out.judgeShare = num('--judge-share', raw.judgeShare)
  const guards: Record<string, unknown> = {}
  const metrics: Record<string, [number, number]> = {}
  for (const g of (raw.guard as string[] | undefined) ?? []) {
    const eq = g.indexOf('=')
    const name = eq > 0 ? g.slice(0, eq).trim() : ''
    const value = eq > 0 ? g.slice(eq + 1).trim() : ''
    if (SHARES[name]) guards[SHARES[name]] = num(`--guard ${name}`, value)
    else if (name.startsWith('metric.') && name.length > 7) {
      const m = /^(-?[\d.]+)\.\.(-?[\d.]+)$/.exec(value)
      if (!m) throw new SimError('USAGE', `--guard ${name} expects LOW..HIGH (got "${value}")`)
      metrics[name.slice(7)] = [Number(m[1]), Number(m[2])]
    } else {
      throw new SimError('USAGE', `--guard expects fallback-share|repair-share|flagged-share|error-share=MAX or metric.NAME=LOW..HIGH (got "${g}")`)
    }
  }
  if (Object.keys(metrics).length) guards.metrics = metrics
  if (raw.guardFallback !== undefined) {
    const f = String(raw.guardFallback).trim()
    if (f === 'surrogate') guards.fallback = 'surrogate'
    else {
      const over: Record<string, unknown> = {}
      for (const kv of f.split(',')) {
        const eq = kv.indexOf('=')
        if (eq <= 0) throw new SimError('USAGE', `--guard-fallback expects "surrogate" or key=value[,key=value] (got "${f}")`)
        const v = kv.slice(eq + 1).trim()
        over[kv.slice(0, eq).trim()] = v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v
      }
      guards.fallback = over
    }
  }
  if (Object.keys(guards).length) out.guards = guards
  if (!Object.keys(out).length) return undefined
  const r = recoverySchema.safeParse(out)
  if (!r.success) throw new SimError('USAGE', `invalid checkpoint/critic/guard option:\n${z.prettifyError(r.error)}`)
  return out
}
