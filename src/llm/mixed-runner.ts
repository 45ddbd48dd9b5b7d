import type { TaskCallRecord } from '../core/index.ts'
import { modelOfUnassigned } from './agent-models.ts'
import { createLlmRunner, type LlmRunner, type LlmRunnerDeps } from './llm-runner.ts'
import { modelSettings, type OpenAiSettings } from './settings.ts'

/**
 * The runner of a mixed-model population: one runner per model (its own endpoints,
 * limits, hedging and health), and each call goes to the runner of its agent's model.
 * The agent's model comes from the assignment stored with the run, so it is the same
 * on every thread, worker and retry.
 */
export function createMixedRunner(settings: OpenAiSettings, deps: LlmRunnerDeps = {}): LlmRunner {
  const mix = settings.agentModels!
  const models = mix.models
  const runners = models.map((m) => createLlmRunner(modelSettings(settings, m.model), deps))
  const seed = settings.seed ?? 0
  const modelOf = (agent: number) => mix.assignment?.[agent] ?? modelOfUnassigned(agent, models, seed)

  const view = (parts: LlmRunner[], close: () => Promise<void>): LlmRunner => ({
    run: (task, input, meta) => parts[Math.min(modelOf(meta.agent), parts.length - 1)]!.run(task, input, meta),
    drain: () => parts.flatMap((r) => r.drain()).sort(byCall),
    outOfRotation: () => [...new Set(parts.flatMap((r) => r.outOfRotation()))],
    // Models that share an endpoint each hold their own limit on it: the endpoint takes their sum.
    limits: () => {
      const out = new Map<string, number>()
      for (const r of parts) for (const [id, l] of r.limits()) out.set(id, (out.get(id) ?? 0) + l)
      return out
    },
    hedgesSent: () => parts.reduce((n, r) => n + r.hedgesSent(), 0),
    fork: () => view(parts.map((r) => r.fork!() as LlmRunner), async () => {}),
    close,
  })
  return view(runners, async () => {
    await Promise.all(runners.map((r) => r.close()))
  })
}

/** Records in the order the calls were made by agent, round and call (as one runner would keep them per agent). */
const byCall = (a: TaskCallRecord, b: TaskCallRecord) => a.round - b.round || a.agent - b.agent || (a.call ?? 0) - (b.call ?? 0)
