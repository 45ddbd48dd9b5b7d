import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { ASPECTS, surrogateRateExplanations, type AspectScores, type RateExplanationsInput, type RateExplanationsOutput } from '../../../agents/users/ailo/tasks/rate-explanations.ts'
import { surrogateExplainItems } from '../../../agents/recommenders/recgpt/tasks/explain-items.ts'
import { claimsOf, type ClaimVocabulary } from '../../../agents/explanations/claims.ts'
import type { JudgeExplanationsInput } from '../../../agents/judge/judge-tasks.ts'
import type { ExplanationVerdict } from '../../../agents/judge/criteria.ts'
import { rngFor, SimError } from '../../core/index.ts'
import { iterateEvents, type RunStore } from '../../store/index.ts'
import { renderCard } from '../card.ts'
import type { ExportResult } from '../export-registry.ts'
import { writeJsonl } from '../jsonl.ts'
import { readTaskTraces, type TaskTraceRow } from '../traces-repo.ts'

const aspects = z.object({ relevance: z.number(), factuality: z.number(), informativeness: z.number(), persuasiveness: z.number(), clarity: z.number() })
const verdict = z.object({ relevance: z.boolean(), factuality: z.boolean(), clarity: z.boolean(), safety: z.boolean() })
const item = z.object({ id: z.number().int(), title: z.string(), category: z.string(), tags: z.array(z.string()) })

/** One row of the explanation replay buffer (HF4Rec learns its explainer from these). */
export const explanationRecord = z.object({
  run_id: z.string(),
  agent_id: z.number().int(),
  round: z.number().int(),
  user: z.object({ likes: z.array(z.string()), dislikes: z.array(z.string()), favourite_categories: z.array(z.string()), interests: z.array(z.string()) }),
  position: z.number().int(),
  item,
  explanation: z.string(),
  aspects,
  judge: verdict.nullable(),
  clicked: z.boolean(),
  /** Probability of this explanation under the behaviour policy, where known (null: not known). */
  propensity: z.number().nullable(),
  model: z.string().nullable(),
})
export type ExplanationRecord = z.infer<typeof explanationRecord>

/** A Pareto preference pair: `chosen` is at least as good on every aspect and better on one. */
export const paretoRecord = z.object({
  prompt: z.string(),
  chosen: z.string(),
  rejected: z.string(),
  chosen_aspects: aspects,
  rejected_aspects: aspects,
  meta: z.object({ run_id: z.string(), agent_id: z.number().int(), round: z.number().int(), item_id: z.number().int(), chosen_source: z.enum(['shown', 'sampled']), rejected_source: z.enum(['shown', 'sampled']) }),
})
export type ParetoRecord = z.infer<typeof paretoRecord>

interface Shown {
  agent: number
  round: number
  input: RateExplanationsInput
  output: RateExplanationsOutput
  model: string | null
  judge?: { input: JudgeExplanationsInput; output: { verdicts: ExplanationVerdict[] } }
}

/** The explanations users were shown (rate-explanations traces) with the judge's last verdict on each text. */
function shownExplanations(store: RunStore, runId: string): Shown[] {
  const traces = readTaskTraces(store.db, store.runKey(runId), ['rate-explanations', 'judge-explanations'])
  if (!traces.some((t) => t.task === 'rate-explanations')) {
    throw new SimError('NO_DATA', `run ${runId} has no explanations shown to users: run a policy that explains its items (e.g. --policy recgpt)`)
  }
  const out: Shown[] = []
  let judged: TaskTraceRow[] = []
  let key = ''
  for (const t of traces) {
    const k = `${t.agent}:${t.round}`
    if (k !== key) (judged = [], (key = k))
    if (t.task === 'judge-explanations') judged.push(t)
    else out.push({ agent: t.agent, round: t.round, input: t.input as RateExplanationsInput, output: t.output as RateExplanationsOutput, model: t.model, judge: mergeJudged(judged) })
  }
  return out
}

/** The judge's latest verdict per (item, text) across its calls for one user and round. */
function mergeJudged(calls: readonly TaskTraceRow[]): Shown['judge'] {
  if (!calls.length) return undefined
  const items: JudgeExplanationsInput['items'] = []
  const verdicts: ExplanationVerdict[] = []
  let interests: string[] = []
  for (const c of calls) {
    const i = c.input as JudgeExplanationsInput
    const o = c.output as { verdicts: ExplanationVerdict[] }
    interests = i.interests
    i.items.forEach((it, j) => {
      if (o.verdicts[j]) (items.push(it), verdicts.push(o.verdicts[j]!))
    })
  }
  return { input: { interests, items, hidden: { claims: [] } }, output: { verdicts } }
}

function verdictFor(s: Shown, id: number, text: string): ExplanationVerdict | null {
  if (!s.judge) return null
  for (let j = s.judge.input.items.length - 1; j >= 0; j--) {
    const it = s.judge.input.items[j]!
    if (it.id === id && it.explanation === text) return s.judge.output.verdicts[j]!
  }
  return null
}

function clicksByUserRound(store: RunStore, runId: string): Map<string, Set<number>> {
  const m = new Map<string, Set<number>>()
  for (const r of iterateEvents(store, runId)) if (r.clicks.length) m.set(`${r.agent}:${r.round}`, new Set(r.clicks))
  return m
}

/** `export --format explanations`: every explanation shown, with the user's aspect scores and the judge's verdict. */
export function writeExplanations(store: RunStore, runId: string, outDir: string): ExportResult {
  const run = store.getRun(runId)
  const shown = shownExplanations(store, runId)
  const clicks = clicksByUserRound(store, runId)
  mkdirSync(outDir, { recursive: true })
  const files = [join(outDir, 'explanations.jsonl'), join(outDir, 'README.md')]
  const models = new Set<string>()
  function* rows(): Iterable<ExplanationRecord> {
    for (const s of shown) {
      if (s.model) models.add(s.model)
      const clicked = clicks.get(`${s.agent}:${s.round}`)
      const p = s.input.persona
      for (let j = 0; j < s.input.items.length; j++) {
        const it = s.input.items[j]!
        const a = s.output.aspects.find((x) => x.item === it.id)
        if (!a) continue
        yield {
          run_id: runId, agent_id: s.agent, round: s.round,
          user: { likes: p.likes, dislikes: p.dislikes, favourite_categories: p.favouriteCategories, interests: s.judge?.input.interests ?? [] },
          position: j,
          item: { id: it.id, title: it.title, category: it.category, tags: it.tags },
          explanation: it.explanation,
          aspects: { relevance: a.relevance, factuality: a.factuality, informativeness: a.informativeness, persuasiveness: a.persuasiveness, clarity: a.clarity },
          judge: verdictFor(s, it.id, it.explanation),
          clicked: clicked?.has(it.id) ?? false,
          propensity: null,
          model: s.model,
        }
      }
    }
  }
  const written = writeJsonl(files[0]!, rows())
  writeFileSync(
    files[1]!,
    renderCard({
      title: `Explanations shown in run ${runId}`,
      summary: 'The replay buffer of an explainer (HF4Rec): each explanation shown with an item, the simulated user\'s five aspect scores, the judge\'s verdict and whether the user opened the item.',
      run, format: 'explanations', models: [...models], filters: {},
      files: [{ name: 'explanations.jsonl', records: written, what: 'one row per (user, round, slate item)' }],
      fields: {
        'run_id, agent_id, round, position': 'provenance; position in the slate (0 = top)',
        user: 'what the user shows of itself (likes, dislikes, favourite categories) and the interests the recommender inferred',
        'item, explanation': 'the item (id, title, category, tags) and the sentence shown with it',
        aspects: 'the user\'s scores 0–1: relevance, factuality, informativeness, persuasiveness, clarity',
        judge: 'the judge\'s verdict on this text (relevance, factuality, clarity, safety); null when no judge saw it',
        clicked: 'the user opened the item this round',
        propensity: 'probability of the explanation under the behaviour policy; null (not known for these explainers)',
      },
    }),
  )
  return { files, records: written }
}

/**
 * `export --format pareto`: for each shown explanation, `samples` more are drawn from the
 * explainer's surrogate (seeded by run, user, round and item) and scored by the user's
 * surrogate on the same inputs; every pair where one Pareto-dominates the other on the five
 * aspects (no aspect worse by more than 0.05, one better by at least 0.05) becomes a preference pair.
 */
export function writePareto(store: RunStore, runId: string, outDir: string, opts: { samples?: number } = {}): ExportResult {
  const run = store.getRun(runId)
  const shown = shownExplanations(store, runId)
  const samples = opts.samples ?? 4
  if (!Number.isInteger(samples) || samples < 1 || samples > 32) throw new SimError('USAGE', `--samples must be an integer from 1 to 32 (got ${opts.samples})`)
  mkdirSync(outDir, { recursive: true })
  const files = [join(outDir, 'pareto.jsonl'), join(outDir, 'README.md')]
  const vocab = vocabularyOf(shown)
  let dominated = 0
  let candidatesSeen = 0
  function* pairs(): Iterable<ParetoRecord> {
    for (const s of shown) {
      const interests = s.judge?.input.interests ?? s.input.persona.likes
      for (let j = 0; j < s.input.items.length; j++) {
        const it = s.input.items[j]!
        const shownAspects = s.output.aspects.find((x) => x.item === it.id)
        if (!shownAspects) continue
        const rng = rngFor(run.seed, 'pareto', s.agent, s.round, it.id)
        const texts = new Set([it.explanation])
        for (let k = 0; k < samples; k++) {
          const hallucination = rng.next() < 0.5 ? 0.5 : 0
          texts.add(surrogateExplainItems({ interests: rng.next() < 0.5 ? interests : interests.slice(0, 1), items: [it], hidden: { hallucination } }, rng).explanations[0]!)
        }
        const cands = [...texts].map((text) => {
          const aspectsOf = text === it.explanation
            ? strip(shownAspects)
            : strip(surrogateRateExplanations({ persona: s.input.persona, items: [{ ...it, explanation: text }], hidden: { claims: [claimsOf(text, vocab)], fit: [s.input.hidden.fit[j] ?? 0.5] } }, rngFor(run.seed, 'pareto-rate', s.agent, s.round, it.id, text)).aspects[0]!)
          return { text, aspects: aspectsOf, source: text === it.explanation ? ('shown' as const) : ('sampled' as const) }
        })
        candidatesSeen += cands.length
        const prompt = `User likes: ${s.input.persona.likes.join(', ')}; favourite categories: ${s.input.persona.favouriteCategories.join(', ')}. Explain why "${it.title}" (${it.category}; ${it.tags.join(', ')}) suits this user in one sentence.`
        for (const a of cands) {
          for (const b of cands) {
            if (a === b || !dominates(a.aspects, b.aspects)) continue
            dominated++
            yield {
              prompt, chosen: a.text, rejected: b.text, chosen_aspects: a.aspects, rejected_aspects: b.aspects,
              meta: { run_id: runId, agent_id: s.agent, round: s.round, item_id: it.id, chosen_source: a.source, rejected_source: b.source },
            }
          }
        }
      }
    }
  }
  const written = writeJsonl(files[0]!, pairs())
  if (!written) throw new SimError('NO_DATA', `run ${runId}: no explanation Pareto-dominates another (${candidatesSeen} candidates); nothing written`)
  writeFileSync(
    files[1]!,
    renderCard({
      title: `Pareto preference pairs of explanations, run ${runId}`,
      summary: 'Pairs {prompt, chosen, rejected} where the chosen explanation is at least as good as the rejected one on all five aspects the simulated user scores, and better on one (HF4Rec\'s Pareto optimisation target).',
      run, format: 'pareto', models: [], filters: { samples },
      files: [{ name: 'pareto.jsonl', records: written, what: 'preference pairs' }],
      fields: {
        'prompt, chosen, rejected': 'the task (user and item) and two explanations, the chosen one dominating',
        'chosen_aspects, rejected_aspects': 'the user\'s five aspect scores of each',
        meta: 'provenance; source: shown (what the run showed, scored by the user in the run) or sampled (drawn from the explainer\'s surrogate at export and scored by the user\'s surrogate on the same inputs)',
      },
      notes: ['Sampled alternatives come from the surrogates even when the run used a model: on a model run, pairs between two sampled texts teach the surrogate\'s preferences, not the model user\'s.'],
    }),
  )
  return { files, records: written }
}

const strip = (a: AspectScores & { item?: number }): AspectScores => Object.fromEntries(ASPECTS.map((k) => [k, a[k]])) as AspectScores

/** Scores closer than this are ties: the user's scores carry a little noise. */
const MARGIN = 0.05

function dominates(a: AspectScores, b: AspectScores): boolean {
  let better = false
  for (const k of ASPECTS) {
    if (a[k] < b[k] - MARGIN) return false
    if (a[k] >= b[k] + MARGIN) better = true
  }
  return better
}

/** The attribute vocabulary of the items the run showed (what claims can name). */
function vocabularyOf(shown: readonly Shown[]): ClaimVocabulary {
  const words = new Set<string>()
  const phrases: string[] = []
  for (const s of shown) {
    for (const it of s.input.items) {
      for (const a of [it.category, ...it.tags]) {
        const t = a.toLowerCase()
        if (/^[\p{L}\p{N}-]+$/u.test(t)) words.add(t)
        else if (!phrases.includes(t)) phrases.push(t)
      }
    }
  }
  return { words, phrases }
}
