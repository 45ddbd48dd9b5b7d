import { rngFor, type CallAgreement, type RecordingTaskRunner, type TaskCallRecord, type TaskDef } from '../core/index.ts'
import type { ShardExtension } from '../runner/shard-extension.ts'
import { surrogateProfileSchema } from '../config/index.ts'
import { addAgreement, emptyAudit, type TaskTally } from './audit-tally.ts'

declare module '../core/shard.ts' {
  interface ShardExtras {
    /** Per task: calls on the model and on the surrogate, and the shadow audit (src/distill). */
    hybrid?: Record<string, TaskTally>
  }
}

/**
 * Runs a shard's tasks as the run's `hybrid` settings say:
 * - with a surrogate profile, every surrogate call uses the distilled parameters;
 * - on a model backend with a model share, only the sampled agents' calls go to the
 *   model, the other agents' calls to the (distilled) surrogate;
 * - for each model-backed call the surrogate answers the same input too, on the
 *   call's own seeded Rng, without acting on it (the shadow audit).
 * Runs without `hybrid` settings pass through untouched.
 */
export const hybridShardExtension: ShardExtension = {
  name: 'hybrid',
  wrap(runner, ctx) {
    const h = ctx.config.hybrid
    if (!h) return { runner, collect: () => ({}) }
    const onModel = ctx.llm.backend === 'openai'
    const sample = h.modelAgents ? new Set(h.modelAgents) : undefined
    const isModelAgent = (agent: number) => onModel && (sample === undefined || sample.has(agent))
    // A profile refitted between rounds comes with the executor started for it (redistill-extension.ts).
    const refitted = ctx.llm.backend === 'openai' && ctx.llm.hybridProfile !== undefined ? surrogateProfileSchema.parse(ctx.llm.hybridProfile) : undefined
    const profile = refitted ?? h.profile
    const paramsCache = new Map<string, unknown>()
    const paramsOf = (task: TaskDef<any, any>): unknown => {
      if (!task.distill) return undefined
      if (!paramsCache.has(task.name)) {
        const t = profile?.tasks[task.name]
        paramsCache.set(task.name, t && t.version === task.version ? task.distill.params.parse(t.params) : undefined)
      }
      return paramsCache.get(task.name)
    }
    const tallies: Record<string, TaskTally> = {}
    const tally = (task: string) => (tallies[task] ??= { modelCalls: 0, surrogateCalls: 0, audit: emptyAudit() })
    const own: TaskCallRecord[] = []
    // Model answers arrive in any order: keep each call's agreement and sum in (agent, call)
    // order when the shard is done, so the sums do not depend on the order of completion.
    const shadows: Array<{ task: string; agent: number; call: number; a: CallAgreement }> = []

    const wrapped: RecordingTaskRunner = {
      ...runner,
      async run(task, input, meta) {
        const params = paramsOf(task as TaskDef<any, any>)
        const t = tally(task.name)
        const rng = () => rngFor(meta.runSeed, meta.agent, meta.round, task.name, meta.call)
        if (isModelAgent(meta.agent)) {
          t.modelCalls++
          const out = await runner.run(task, input, meta)
          if (task.distill) {
            const a = task.distill.agreement(input, out, task.distill.surrogate(input, rng(), params ?? task.distill.defaults))
            shadows.push({ task: task.name, agent: meta.agent, call: meta.call, a })
          }
          return out
        }
        t.surrogateCalls++
        const out = task.distill && params !== undefined ? task.distill.surrogate(input, rng(), params) : task.surrogate(input, rng())
        // Dataset tasks keep their traces, as on the plain surrogate.
        if (task.record) own.push({ task: task.name, agent: meta.agent, round: meta.round, outcome: 'surrogate', input, output: out })
        return out
      },
      drain: () => [...runner.drain(), ...own.splice(0)],
    }
    const collect = () => {
      shadows.sort((x, y) => x.agent - y.agent || x.call - y.call || (x.task < y.task ? -1 : x.task > y.task ? 1 : 0))
      for (const s of shadows.splice(0)) addAgreement(tally(s.task).audit, s.a)
      return Object.keys(tallies).length ? { hybrid: tallies } : {}
    }
    return { runner: wrapped, collect }
  },
}
