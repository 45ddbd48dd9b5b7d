// `npm run bench -- distill`: the targets of distillation and hybrid runs (docs/hybrid.md),
// against the scripted user model (`usersim mock-llm --script user`, its own process).
//   1. fidelity: a model run, `distill`, agreement on held-out agents (default vs distilled),
//      and the model's own repeatability (the same held-out prompts asked again);
//   2. scale: AGENTS agents × 5 rounds at --model-share 0.02 against the same run on the
//      distilled surrogate alone: model tokens against the projection at share 1, throughput;
//   3. audit overhead: CPU of the shadow surrogate per model-backed agent-step.
// BENCH_DISTILL_AGENTS sets the scale run's size (default 100000).
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TaskDef } from '../src/core/index.ts'
import { parseRunConfig, type RunConfig, type SurrogateProfile } from '../src/config/index.ts'
import { agreementOn, distillRun, heldOut } from '../src/distill/distill-run.ts'
import { agreementFigures } from '../src/distill/agreement.ts'
import { DISTILLABLE_TASKS } from '../src/distill/registry.ts'
import { hybridSummary } from '../src/distill/hybrid-summary.ts'
import { recordedCalls } from '../src/distill/samples-repo.ts'
import { withModelSample } from '../src/distill/strata.ts'
import { defaultExtensions } from '../src/extensions/index.ts'
import { createLlmRunner } from '../src/llm/llm-runner.ts'
import { openAiSettingsSchema, type OpenAiSettings } from '../src/llm/settings.ts'
import { buildRunConfig, defaultThreads, launchRun } from '../src/runner/index.ts'
import { RunStore } from '../src/store/index.ts'
import { mockServer } from './llm.ts'

const AGENTS = Number(process.env.BENCH_DISTILL_AGENTS ?? 100_000)

// The scripted user model (`mock-llm --script user`) in its own process.
const scriptedServer = () => mockServer(5, 256, ['--script', 'user'])

const llmSettings = (url: string): OpenAiSettings => openAiSettingsSchema.parse({ backend: 'openai', model: 'm', endpoints: [{ url, concurrency: 64 }], cache: false })
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000

/** Asks the model again for the held-out calls: how often it gives the same answer (its repeatability). */
async function repeatability(store: RunStore, runId: string, profile: SurrogateProfile, settings: OpenAiSettings) {
  const runner = createLlmRunner({ ...settings, logPrompts: 'none' })
  const run = store.getRun(runId)
  const out: Record<string, ReturnType<typeof agreementFigures>> = {}
  for (const name of Object.keys(profile.tasks)) {
    const task = DISTILLABLE_TASKS[name]! as TaskDef<unknown, unknown>
    const calls = recordedCalls(store.db, store.runKey(runId), name).filter((c) => heldOut(profile.holdout.seed, c.agent, profile.holdout.share)).slice(0, 300)
    const agreements = []
    for (const c of calls) {
      const input = task.input.parse(c.input)
      const again = await runner.run(task, input, { runSeed: run.seed, agent: c.agent, round: c.round, call: c.call })
      agreements.push(task.distill!.agreement(input, task.output.parse(c.output), again))
    }
    out[name] = agreementFigures(agreements)
  }
  await runner.close()
  return out
}

/** CPU of the shadow surrogate and its agreement per model-backed agent-step (both tasks of a step). */
function shadowCpuPerStep(store: RunStore, runId: string, profile: SurrogateProfile): number {
  const run = store.getRun(runId)
  let steps = 0
  let ms = 0
  for (const name of Object.keys(profile.tasks)) {
    const task = DISTILLABLE_TASKS[name]!
    const samples = recordedCalls(store.db, store.runKey(runId), name).map((c) => ({ call: c, input: task.input.parse(c.input) as unknown, output: task.output.parse(c.output) as unknown }))
    // Parsing is not part of the shadow: time only the surrogate and the agreement, 5 times over.
    const t = process.cpuUsage()
    for (let rep = 0; rep < 5; rep++) agreementOn(task, samples, run.seed, profile.tasks[name]!.params)
    ms += cpuMs(process.cpuUsage(t))
    if (name === 'evaluate-slate') steps += 5 * samples.length
  }
  return ms / Math.max(1, steps)
}

export async function bench(): Promise<Record<string, unknown>> {
  const dir = join(tmpdir(), `usersim-bench-distill-${process.pid}`)
  rmSync(dir, { recursive: true, force: true })
  const db = join(dir, 'distill.db')
  const server = await scriptedServer()
  const figures: Record<string, unknown> = {}
  try {
    // 1. A model run, distilled.
    const llm = llmSettings(server.url)
    const { config: modelConfig } = await buildRunConfig('feed', { agents: 1500, rounds: 3, catalogSize: 1000, seed: 3, llm })
    const cpu0 = process.cpuUsage()
    const modelRun = await launchRun(modelConfig, { db, threads: 0, extensions: defaultExtensions() })
    const modelStepCpuMs = cpuMs(process.cpuUsage(cpu0)) / modelRun.agentSteps
    const store = new RunStore(db)
    const profile = distillRun(store, modelRun.runId)
    const repeat = await repeatability(store, modelRun.runId, profile, llm)
    const shadowStepCpuMs = shadowCpuPerStep(store, modelRun.runId, profile)
    store.close()
    for (const [task, t] of Object.entries(profile.tasks)) {
      console.log(`   ${task}: ${t.fit.trainCalls} train / ${t.fit.heldOutCalls} held-out calls`)
      console.log(`     default   ${JSON.stringify(t.fit.before)}`)
      console.log(`     distilled ${JSON.stringify(t.fit.after)}`)
      console.log(`     model vs itself ${JSON.stringify(repeat[task])}`)
    }
    const slate = profile.tasks['evaluate-slate']!.fit
    Object.assign(figures, {
      distillClickF1Default: slate.before.clickF1,
      distillClickF1: slate.after.clickF1,
      distillRatingRmseDefault: slate.before.ratingRmse,
      distillRatingRmse: slate.after.ratingRmse,
      distillSatisfactionW1: slate.after.satisfactionW1,
      distillLeaveAgreementDefault: profile.tasks['decide-continue']!.fit.before.leaveAgreement,
      distillLeaveAgreement: profile.tasks['decide-continue']!.fit.after.leaveAgreement,
      modelRepeatClickF1: repeat['evaluate-slate']?.clickF1,
      auditOverheadPct: Math.round((shadowStepCpuMs / modelStepCpuMs) * 1e4) / 100,
    })
    console.log(`   audit: shadow surrogate ${shadowStepCpuMs.toFixed(4)} ms CPU per model-backed step, the step itself ${modelStepCpuMs.toFixed(3)} ms CPU (client side): +${figures.auditOverheadPct} %`)

    // 2. Scale: the distilled surrogate alone, then a hybrid run at share 0.02.
    const threads = Math.min(2, defaultThreads())
    const base = { agents: AGENTS, rounds: 5, catalogSize: 2000, seed: 4 }
    const { config: surrogateConfig } = await buildRunConfig('feed', { ...base, hybrid: { profile } })
    let t = performance.now()
    const pure = await launchRun(surrogateConfig, { db, threads, extensions: defaultExtensions() })
    const pureMs = performance.now() - t
    const { config: built } = await buildRunConfig('feed', { ...base, llm: { ...llm, logPrompts: 'none' }, hybrid: { profile, modelShare: 0.02 } })
    t = performance.now()
    const hybridConfig: RunConfig = parseRunConfig(await withModelSample(built))
    const sampleMs = performance.now() - t
    t = performance.now()
    const hybrid = await launchRun(hybridConfig, { db, threads, extensions: defaultExtensions() })
    const hybridMs = performance.now() - t
    const s = new RunStore(db)
    const summary = hybridSummary(s.db, s.runKey(hybrid.runId), hybridConfig.hybrid)!
    s.close()
    const pureRate = pure.agentSteps / (pureMs / 1000)
    const hybridRate = hybrid.agentSteps / ((hybridMs + sampleMs) / 1000)
    console.log(`   ${AGENTS.toLocaleString('en-US')} agents × 5 rounds, ${threads} threads: distilled surrogate ${Math.round(pureRate).toLocaleString('en-US')} steps/s; hybrid (share 0.02, ${hybridConfig.hybrid!.modelAgents!.length} model agents over ${hybridConfig.hybrid!.strata} clusters) ${Math.round(hybridRate).toLocaleString('en-US')} steps/s incl. ${(sampleMs / 1000).toFixed(1)} s drawing the sample (${((hybridRate / pureRate) * 100).toFixed(0)} %)`)
    console.log(`   model tokens ${summary.cost.total.tokens.toLocaleString('en-US')} of ${summary.cost.total.projectedTokens.toLocaleString('en-US')} projected at share 1 (${((summary.cost.total.tokenShare ?? 0) * 100).toFixed(2)} %); ${summary.cost.total.modelCalls.toLocaleString('en-US')} model calls of ${summary.cost.total.projectedCalls.toLocaleString('en-US')}`)
    for (const a of summary.audit.filter((x) => x.task !== 'write-utterance')) {
      const e = a.clickF1 ?? a.leaveAgreement
      console.log(`     audit round ${a.round} ${a.task}: ${a.clickF1 ? 'click F1' : 'leave agreement'} ${e?.mean} [${e?.lo}, ${e?.hi}] over ${e?.n} calls`)
    }
    for (const w of summary.warnings) console.log(`     ! ${w}`)
    Object.assign(figures, {
      hybridAgents: AGENTS,
      hybridTokenSharePct: Math.round((summary.cost.total.tokenShare ?? 0) * 1e4) / 100,
      hybridThroughputPct: Math.round((hybridRate / pureRate) * 1000) / 10,
      hybridStepsPerSecond: Math.round(hybridRate),
      surrogateStepsPerSecond: Math.round(pureRate),
    })
  } finally {
    server.child.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  }
  console.log('   (timings are noisy on a shared machine)')
  return figures
}
