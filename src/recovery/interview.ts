import { z } from 'zod'
import { defineTask, SimError, type Rng } from '../core/index.ts'
import { loadCheckpoint } from '../checkpoint/checkpoint-repo.ts'
import { createTaskRunner } from '../llm/create-runner.ts'
import type { LlmSettings } from '../llm/settings.ts'
import { createShardEnv, initialRecord, parseRecords, type AgentRecord } from '../runner/index.ts'
import { readingStore, RunStore } from '../store/index.ts'
import { interviewsAsked, recordInterview } from './interviews-repo.ts'

/** The memory an AILO-style state keeps, read when a state has it (other agents answer from their history). */
const ailoMemory = z.object({
  recent: z.array(z.number()),
  disliked: z.array(z.number()),
  visits: z.number(),
  clicks: z.number(),
  ratingSum: z.number(),
  ratingCount: z.number(),
})

export const interviewInput = z.object({
  persona: z.object({
    name: z.string(),
    likes: z.array(z.string()),
    dislikes: z.array(z.string()),
    favouriteCategories: z.array(z.string()),
    expressionStyle: z.enum(['direct', 'descriptive', 'questioning']),
    tone: z.enum(['friendly', 'neutral', 'blunt']),
    informationDensity: z.enum(['low', 'medium', 'high']),
  }),
  state: z.object({
    present: z.boolean(),
    satisfaction: z.number(),
    visits: z.number().int(),
    clicks: z.number().int(),
    meanRating: z.number().nullable(),
    recentTitles: z.array(z.string()),
    dislikedTitles: z.array(z.string()),
  }),
  question: z.string().min(1).max(2000),
})
export type InterviewInput = z.infer<typeof interviewInput>

export const interviewOutput = z.object({ answer: z.string().min(1).max(1200) })

const mood = (s: number) => (s >= 0.65 ? 'pretty happy with' : s >= 0.45 ? 'lukewarm about' : 'disappointed by')

/** A seeded answer from the agent's state: what it liked, what put it off, whether it stays. */
function surrogateAnswer(i: InterviewInput, rng: Rng): { answer: string } {
  const q = i.question.toLowerCase()
  const p = i.persona
  const s = i.state
  const open = { friendly: ['Sure!', 'Happy to say.', 'Good question.'], neutral: ['', 'Well,', 'To answer that,'], blunt: ['Honestly,', 'Look,', 'Frankly,'] }[p.tone]
  const parts: string[] = []
  const liked = s.recentTitles.length ? `I recently enjoyed ${s.recentTitles.slice(-2).map((t) => `"${t}"`).join(' and ')}` : 'I have not found much I wanted to open yet'
  if (/leave|quit|stop|come back|return|stay/.test(q)) {
    parts.push(s.present ? `I am still using the feed; I am ${mood(s.satisfaction)} it.` : `I left for now because I was ${mood(s.satisfaction)} it.`)
  }
  if (/dislike|bad|wrong|worst|annoy|complain/.test(q) || s.satisfaction < 0.45) {
    const bad = s.dislikedTitles.length ? `things like "${rng.pick(s.dislikedTitles)}"` : `too much ${p.dislikes[0] ?? 'repetition'}`
    parts.push(`What puts me off is ${bad}.`)
  }
  if (/like|enjoy|good|best|want|recommend|more/.test(q) || parts.length === 0) {
    parts.push(`${liked}; I would like more ${p.likes.slice(0, 2).join(' and ') || 'variety'}${p.favouriteCategories[0] ? `, especially ${p.favouriteCategories[0]}` : ''}.`)
  }
  if (p.informationDensity === 'high') parts.push(`So far: ${s.visits} visits, ${s.clicks} items opened${s.meanRating !== null ? `, rated ${s.meanRating.toFixed(1)}/5 on average` : ''}.`)
  return { answer: `${rng.pick(open)} ${parts.join(' ')}`.trim() }
}

/** One question to one simulated user, answered in its current state (GenSim's interview). */
export const interviewUser = defineTask({
  name: 'interview-user',
  version: 1,
  input: interviewInput,
  output: interviewOutput,
  prompt: (i) => [
    {
      role: 'system',
      content:
        'You are one simulated user of a recommendation feed being interviewed by a researcher. Answer the question ' +
        'in your own voice, from your experience so far, in two or three sentences. Answer with JSON only: {"answer": "..."}.',
    },
    {
      role: 'system',
      content: `You are ${i.persona.name}. You like: ${i.persona.likes.join(', ') || 'nothing in particular'}. You dislike: ${i.persona.dislikes.join(', ') || 'nothing in particular'}. Favourite categories: ${i.persona.favouriteCategories.join(', ')}. You write in a ${i.persona.expressionStyle} style with a ${i.persona.tone} tone.`,
    },
    {
      role: 'user',
      content:
        `Your experience: ${i.state.visits} visits, ${i.state.clicks} items opened, satisfaction ${i.state.satisfaction.toFixed(2)}, ` +
        `${i.state.present ? 'still using the feed' : 'you have left the feed for now'}. Recently opened: ${i.state.recentTitles.join('; ') || 'nothing'}. ` +
        `Disappointing: ${i.state.dislikedTitles.join('; ') || 'nothing'}.\nQuestion: ${i.question}`,
    },
  ],
  surrogate: surrogateAnswer,
})

export interface InterviewOutcome {
  runId: string
  agent: number
  /** The round whose end state was interviewed. */
  round: number
  question: string
  answer: string
  backend: string
}

/**
 * Asks one agent of a run a question, in its state at the end of `round` (default: the
 * latest checkpoint), on the run's own task backend unless `llm` says otherwise.
 * Recorded in the interviews table; the run itself is not changed.
 *
 * @example
 * const { answer } = await interviewAgent('usersim.db', runId, 12, 'Why did you leave?')
 */
export async function interviewAgent(db: string, runId: string, agent: number, question: string, opts: { round?: number; llm?: LlmSettings } = {}): Promise<InterviewOutcome> {
  const store = readingStore(db, `run "${runId}"`, () => new RunStore(db, { mustExist: true }))
  try {
    const run = store.getRun(runId)
    if (!Number.isInteger(agent) || agent < 0 || agent >= run.config.agents) {
      throw new SimError('USAGE', `--agent must be between 0 and ${run.config.agents - 1} for run "${runId}" (got ${agent})`)
    }
    const cp = readingStore(db, 'the checkpoint', () => loadCheckpoint(store, runId, opts.round))
    if (!cp) throw new SimError('CHECKPOINT_MISSING', `run "${runId}" has no checkpoint yet: there is no state to interview`)
    const part = cp.states.find((p) => agent >= p.start && agent < p.end)!
    const env = await createShardEnv(run.config, 1)
    const persona = store.persona(runId, agent) ?? env.persona(agent)
    const record: AgentRecord =
      part.states === null ? initialRecord(env.scenario.agent, persona, env.config.seed, agent) : parseRecords(part.states, part.end - part.start, `the checkpoint of round ${cp.round}`)[agent - part.start]!
    const title = (id: number) => env.catalog.items[id]?.title ?? `item ${id}`
    const mem = ailoMemory.safeParse((record.state as { memory?: unknown } | null)?.memory)
    const m = mem.success ? mem.data : undefined
    const history = env.scenario.agent.history(record.state)
    const input: InterviewInput = {
      persona: {
        name: persona.name,
        likes: persona.likes.map((l) => l.tag),
        dislikes: persona.dislikes.map((d) => d.tag),
        favouriteCategories: persona.favouriteCategories,
        expressionStyle: persona.linguistic.expressionStyle,
        tone: persona.linguistic.tone,
        informationDensity: persona.linguistic.informationDensity,
      },
      state: {
        present: record.present,
        satisfaction: Math.round(record.satisfaction * 1e4) / 1e4,
        visits: m?.visits ?? 0,
        clicks: m?.clicks ?? 0,
        meanRating: m && m.ratingCount ? m.ratingSum / m.ratingCount : null,
        recentTitles: history.slice(-5).map(title),
        dislikedTitles: (m?.disliked ?? []).slice(-3).map(title),
      },
      question,
    }
    const parsed = interviewInput.safeParse(input)
    if (!parsed.success) throw new SimError('USAGE', `cannot interview agent ${agent}: ${z.prettifyError(parsed.error)}`)
    const asked = interviewsAsked(store.db, runId, agent)
    // The run's own backend answers (a model run is interviewed by its model), unless told otherwise.
    const llm = opts.llm ?? run.config.llm
    const tasks = await createTaskRunner(llm)
    const out = await tasks.run(interviewUser, parsed.data, { runSeed: run.seed, agent, round: cp.round, call: asked })
    const backend = llm?.backend ?? 'surrogate'
    recordInterview(store.db, { runId, round: cp.round, agent, question, answer: out.answer, backend })
    await tasks.close?.()
    return { runId, agent, round: cp.round, question, answer: out.answer, backend }
  } finally {
    store.close()
  }
}
