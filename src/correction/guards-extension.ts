import { hasGuards } from '../config/index.ts'
import type { LlmSettings } from '../llm/settings.ts'
import type { ShardExecutor } from '../runner/executor.ts'
import type { RunExtension } from '../runner/round-loop.ts'
import { recordIntervention } from './corrections-repo.ts'
import { fallbackSettings } from './fallback.ts'
import { checkGuards, roundHealth } from './guards.ts'

export interface GuardsOptions {
  /** The run's task settings (the fallback overrides them). */
  llm?: LlmSettings
  /** Builds the executor a tripped guard switches to (default: one like the run's, on the fallback settings; null: none, trips are only recorded). */
  fallback?: (() => Promise<ShardExecutor>) | null
}

/**
 * Run-level guards (GenSim's correction, made automatic): every measured round is checked
 * against the run's guards; a round that trips one is recorded as an intervention, rolled
 * back and replayed on the fallback setting, where the run then stays. A resumed run that
 * had switched starts on the fallback again (the fact `fallback` is kept in checkpoints).
 */
export function guardsExtension(opts: GuardsOptions = {}): RunExtension {
  return {
    name: 'guards',
    async attach(loop) {
      const settings = loop.config.recovery
      if (!hasGuards(settings)) return
      let fallback: ShardExecutor | undefined
      const makeFallback = opts.fallback === null ? undefined : (opts.fallback ?? (() => loop.startExecutor(fallbackSettings(loop.config, opts.llm ?? loop.config.llm))))
      const onFallback = () => fallback !== undefined && loop.executor === fallback
      loop.fact('fallback', onFallback)
      if (loop.resumedFacts.fallback === true && makeFallback) {
        fallback = await makeFallback()
        loop.useExecutor(fallback)
      }
      loop.gate(async ({ round, results, metrics }) => {
        const trip = checkGuards(settings, roundHealth(results, metrics), metrics)
        if (!trip) return 'accept'
        const replay = !onFallback() && makeFallback !== undefined
        if (replay) {
          fallback ??= await makeFallback()
          loop.useExecutor(fallback)
        }
        const action = replay ? 'rolled back the round and replayed it on the fallback' : fallback ? 'kept: already on the fallback' : 'kept: no fallback configured'
        recordIntervention(loop.store.db, loop.runId, round, trip, action)
        return replay ? 'replay' : 'accept'
      })
    },
  }
}
