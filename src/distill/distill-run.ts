import { createHash } from 'node:crypto'
import { z } from 'zod'
import { combineSeed, mix32, rngFor, SimError, type CallAgreement, type TaskDef } from '../core/index.ts'
import { PROFILE_FORMAT, type SurrogateProfile } from '../config/index.ts'
import type { RunStore } from '../store/index.ts'
import { agreementFigures } from './agreement.ts'
import { DISTILLABLE_TASKS } from './registry.ts'
import { recordedCalls, recordedTasks, saveProfile, type RecordedCall } from './samples-repo.ts'

export interface DistillOptions {
  /** Tasks to fit (default: every distillable task the run has model answers for). */
  tasks?: string[]
  /** Share of agents held out of the fit to measure agreement on (default 0.2). */
  holdout?: number
  /** Seed of the held-out draw (default: the run's seed). */
  seed?: number
  /** Tasks known beyond the built-in ones (a scenario's own distillable tasks). */
  registry?: Record<string, TaskDef<any, any>>
  /** Only calls up to this round (a refit between rounds). */
  maxRound?: number
  /** The profile to compare with and start from (default: each task's default parameters). */
  from?: SurrogateProfile
}

/** Is an agent held out of the fit: a seeded draw per agent, so each agent's calls stay together. */
export function heldOut(seed: number, agent: number, share: number): boolean {
  return mix32(combineSeed(seed, 'distill-holdout', agent)) / 4294967296 < share
}

/** The hash a profile is known by: its source run and every task's version and parameters. */
export function profileHash(sourceRun: string, tasks: Record<string, { version: number; params: unknown }>): string {
  const canonical = JSON.stringify([sourceRun, Object.keys(tasks).sort().map((t) => [t, tasks[t]!.version, tasks[t]!.params])])
  return createHash('sha256').update(canonical).digest('hex')
}

interface Sample {
  call: RecordedCall
  input: unknown
  output: unknown
}

function validSamples(task: TaskDef<any, any>, calls: readonly RecordedCall[]): Sample[] {
  const out: Sample[] = []
  for (const c of calls) {
    const i = task.input.safeParse(c.input)
    const o = task.output.safeParse(c.output)
    if (i.success && o.success) out.push({ call: c, input: i.data, output: o.data })
  }
  return out
}

/** The agreement of a surrogate (with `params`) with the model on `samples`, each on its own seeded Rng. */
export function agreementOn(task: TaskDef<any, any>, samples: readonly Sample[], runSeed: number, params: unknown): CallAgreement[] {
  const spec = task.distill!
  return samples.map((s) => {
    const rng = rngFor(runSeed, s.call.agent, s.call.round, task.name, s.call.call)
    return spec.agreement(s.input, s.output, spec.surrogate(s.input, rng, params))
  })
}

/**
 * Fits each task's surrogate parameters to a run's recorded model answers, on the
 * agents not held out, and measures agreement with the model on the held-out agents
 * before (the default parameters) and after the fit. Stores the profile in the run's
 * database and returns it.
 */
export function distillRun(store: RunStore, runId: string, o: DistillOptions = {}): SurrogateProfile {
  const run = store.getRun(runId)
  const registry = { ...DISTILLABLE_TASKS, ...o.registry }
  const key = store.runKey(runId)
  const share = o.holdout ?? 0.2
  const seed = o.seed ?? run.seed
  const available = recordedTasks(store.db, key)
  const names = o.tasks ?? available.filter((t) => registry[t]?.distill)
  if (!names.length) {
    throw new SimError('USAGE', `run ${runId} has no recorded model answers of a distillable task (${Object.keys(registry).join(', ')}): distil a run made with --llm openai and prompts logged`)
  }
  const tasks: SurrogateProfile['tasks'] = {}
  const heldAgents = new Set<number>()
  for (const name of names) {
    const task = registry[name]
    if (!task?.distill) throw new SimError('USAGE', `--tasks: "${name}" is not a distillable task (known: ${Object.keys(registry).join(', ')})`)
    const samples = validSamples(task, recordedCalls(store.db, key, name, o.maxRound))
    if (!samples.length) throw new SimError('USAGE', `run ${runId} has no recorded model answers of task ${name} (known: ${available.join(', ') || 'none'})`)
    const train = samples.filter((s) => !heldOut(seed, s.call.agent, share))
    const test = samples.filter((s) => heldOut(seed, s.call.agent, share))
    for (const s of test) heldAgents.add(s.call.agent)
    const spec = task.distill
    const prior = o.from?.tasks[name]?.version === task.version ? (spec.params.parse(o.from.tasks[name]!.params) as unknown) : spec.defaults
    const fitted = spec.params.parse(spec.fit(train, spec.defaults)) as unknown
    tasks[name] = {
      version: task.version,
      params: fitted,
      fit: {
        trainCalls: train.length,
        heldOutCalls: test.length,
        before: agreementFigures(agreementOn(task, test, run.seed, prior)),
        after: agreementFigures(agreementOn(task, test, run.seed, fitted)),
      },
    }
  }
  const profile: SurrogateProfile = {
    format: PROFILE_FORMAT,
    hash: profileHash(runId, tasks),
    sourceRun: runId,
    createdAt: new Date().toISOString(),
    holdout: { share, seed, agents: heldAgents.size },
    tasks,
  }
  saveProfile(store.db, profile)
  return profile
}

/** Checks a profile's tasks against the tasks it will run with: known, same version, valid parameters. */
export function checkProfile(profile: SurrogateProfile, registry: Record<string, TaskDef<any, any>> = DISTILLABLE_TASKS, where = 'surrogate profile'): void {
  for (const [name, t] of Object.entries(profile.tasks)) {
    const task = registry[name]
    if (!task?.distill) throw new SimError('USAGE', `${where}: task "${name}" is not a distillable task (known: ${Object.keys(registry).join(', ')})`)
    if (task.version !== t.version) throw new SimError('USAGE', `${where}: task ${name} was fitted at version ${t.version}, this usersim has version ${task.version}; distil again`)
    const p = task.distill.params.safeParse(t.params)
    if (!p.success) throw new SimError('USAGE', `${where}: tasks.${name}.params:\n${z.prettifyError(p.error)}`)
  }
  if (profileHash(profile.sourceRun, profile.tasks) !== profile.hash) throw new SimError('USAGE', `${where}: hash does not match its contents (edited by hand?)`)
}
