import { describe, expect, it } from 'vitest'
import { evaluateSlate, type EvaluateSlateInput, type EvaluateSlateOutput } from '../../agents/users/ailo/tasks/evaluate-slate.ts'
import type { ChatMessage, RecordingTaskRunner, TaskCallMeta, TaskDef } from '../../src/core/index.ts'
import { REFLECT_CALL_BASE, withCorrections, type CorrectionOptions } from '../../src/correction/with-corrections.ts'
import { surrogateRunner } from '../../src/llm/surrogate-runner.ts'

const input: EvaluateSlateInput = {
  persona: { name: 'Ada', activityType: 'detail', likes: ['jazz'], dislikes: ['gore'], favouriteCategories: ['music'], informationDensity: 'low', expressionStyle: 'direct', tone: 'neutral' },
  expectation: 0.5,
  memory: { visits: 1, satisfaction: 0.5, recentTitles: [] },
  slate: [
    { id: 1, title: 'Blue Notes', category: 'music', tags: ['jazz'], price: 5 },
    { id: 2, title: 'Night Terror', category: 'film', tags: ['gore'], price: 3 },
  ],
  hidden: { fit: [0.8, 0.3], maxClicks: 2, ratingMean: 3.5, ratingSpread: 0.5, hardDislikes: ['gore'] },
}
const BAD: EvaluateSlateOutput = { clicks: [2], ratings: [{ item: 2, rating: 4 }], satisfaction: 0.6, reason: 'looks fun' }
const GOOD: EvaluateSlateOutput = { clicks: [1], ratings: [{ item: 1, rating: 4 }], satisfaction: 0.6, reason: 'jazz!' }
const meta: TaskCallMeta = { runSeed: 1, agent: 7, round: 3, call: 0 }

/** A model stand-in: answers from a script, and records each prompt it was given. */
function scripted(answers: EvaluateSlateOutput[]): RecordingTaskRunner & { prompts: ChatMessage[][]; metas: TaskCallMeta[] } {
  const prompts: ChatMessage[][] = []
  const metas: TaskCallMeta[] = []
  let i = 0
  return {
    prompts,
    metas,
    async run<I, O>(task: TaskDef<I, O>, inp: I, m: TaskCallMeta): Promise<O> {
      prompts.push(task.prompt(inp))
      metas.push(m)
      return answers[Math.min(i++, answers.length - 1)] as O
    },
    drain: () => [],
  }
}

/** The corrected runner and the corrections it collected, as one object. */
function correcting(inner: RecordingTaskRunner, opts: CorrectionOptions) {
  const c = withCorrections(inner, opts)
  return { run: c.runner.run.bind(c.runner), drain: () => c.runner.drain(), takeCorrections: () => c.collect().corrections ?? [] }
}

describe('reflection loop (withCorrections)', () => {
  it('a flagged answer goes back with the critique and the regenerated good answer is kept and recorded', async () => {
    const inner = scripted([BAD, GOOD])
    const tasks = correcting(inner, { critics: true, maxReflections: 2, judgeShare: 0 })
    expect(await tasks.run(evaluateSlate, input, meta)).toEqual(GOOD)
    // The second prompt is the first plus the flagged answer and the critique.
    expect(inner.prompts).toHaveLength(2)
    const second = inner.prompts[1]!
    expect(second.slice(0, inner.prompts[0]!.length)).toEqual(inner.prompts[0])
    expect(second.at(-2)).toEqual({ role: 'assistant', content: JSON.stringify(BAD) })
    expect(second.at(-1)!.content).toMatch(/Night Terror.*gore/)
    expect(inner.metas[1]!.call).toBe(REFLECT_CALL_BASE + 0)
    tasks.drain()
    const [c] = tasks.takeCorrections()
    expect(c).toMatchObject({ layer: 'agent', kind: 'hard-dislike-click', task: 'evaluate-slate', agent: 7, round: 3, before: BAD, after: GOOD, attempts: 1, fixed: true })
    expect(c!.prompt).toEqual(inner.prompts[0])
    expect(tasks.takeCorrections()).toEqual([])
  })

  it('is bounded: an answer that stays bad is regenerated maxReflections times, then repaired by its critic', async () => {
    const inner = scripted([BAD])
    const tasks = correcting(inner, { critics: true, maxReflections: 3, judgeShare: 0 })
    const out = await tasks.run(evaluateSlate, input, meta)
    expect(inner.prompts).toHaveLength(4)
    expect(out).toMatchObject({ clicks: [], ratings: [] })
    tasks.drain()
    expect(tasks.takeCorrections()[0]).toMatchObject({ attempts: 3, fixed: true, after: { clicks: [] } })
  })

  it('a critic without a repair leaves the last answer, recorded as not fixed', async () => {
    const contradictory: EvaluateSlateOutput = { clicks: [1], ratings: [{ item: 1, rating: 1 }], satisfaction: 0.95, reason: 'x' }
    const tasks = correcting(scripted([contradictory]), { critics: true, maxReflections: 1, judgeShare: 0 })
    expect(await tasks.run(evaluateSlate, input, meta)).toEqual(contradictory)
    tasks.drain()
    expect(tasks.takeCorrections()[0]).toMatchObject({ kind: 'rating-vs-satisfaction', attempts: 1, fixed: false })
  })

  it('clean answers pass untouched, and critics off means no checks', async () => {
    const inner = scripted([BAD])
    const off = correcting(inner, { critics: false, maxReflections: 2, judgeShare: 0 })
    expect(await off.run(evaluateSlate, input, meta)).toEqual(BAD)
    const on = correcting(scripted([GOOD]), { critics: true, maxReflections: 2, judgeShare: 0 })
    expect(await on.run(evaluateSlate, input, meta)).toEqual(GOOD)
    on.drain()
    expect(on.takeCorrections()).toEqual([])
  })

  it('on the surrogate a regeneration draws from another stream (it does not repeat itself)', async () => {
    const s = surrogateRunner()
    const a = await s.run(evaluateSlate, input, meta)
    const b = await s.run(evaluateSlate, input, { ...meta, call: REFLECT_CALL_BASE })
    const c = await s.run(evaluateSlate, input, meta)
    expect(a).toEqual(c)
    // Many different streams give different draws (the first may coincide by chance).
    const draws = new Set<string>()
    for (let k = 1; k <= 20; k++) draws.add(JSON.stringify(await s.run(evaluateSlate, input, { ...meta, call: REFLECT_CALL_BASE * k })))
    expect(draws.size).toBeGreaterThan(1)
    expect(b).toBeDefined()
  })

  it('the LLM judge reviews a sampled share and its critique drives the regeneration', async () => {
    const calls: string[] = []
    const inner: RecordingTaskRunner = {
      async run<I, O>(task: TaskDef<I, O>, inp: I, m: TaskCallMeta): Promise<O> {
        calls.push(task.name)
        if (task.name === 'judge-action') {
          const judged = (inp as { output: EvaluateSlateOutput }).output
          const ok = judged.reason !== 'first'
          return { correct: true, relevant: true, consistent: ok, critique: ok ? '' : 'Your reason does not fit your persona.' } as O
        }
        return { ...GOOD, reason: m.call >= REFLECT_CALL_BASE ? 'second' : 'first' } as O
      },
      drain: () => [],
    }
    const tasks = correcting(inner, { critics: true, maxReflections: 2, judgeShare: 1 })
    const out = await tasks.run(evaluateSlate, input, meta)
    expect(out.reason).toBe('second')
    expect(calls).toEqual(['evaluate-slate', 'judge-action', 'evaluate-slate'])
    tasks.drain()
    expect(tasks.takeCorrections()[0]).toMatchObject({ kind: 'judge', critique: 'Your reason does not fit your persona.' })
  })
})
