import { rngFor } from '../core/index.ts'
import type { Db } from '../store/index.ts'
import { storyReaders, utteranceAgentAt, utteranceCount, type StoryEventRow } from './report-repo.ts'

/** One round of one simulated user, as the story shows it. */
export interface StoryRound {
  round: number
  present: boolean
  returned: boolean
  /** Item ids shown, in slate order. */
  shown: number[]
  clicks: number[]
  /** Ratings aligned with `clicks` (0 = clicked, not rated). */
  ratings: number[]
  satisfaction: number
  left: boolean
  said: Array<{ kind: string; text: string }>
}

export interface AgentStory {
  agent: number
  /** Persona facts as label/value text (the hidden ground truth left out). */
  persona: Array<[string, string]>
  personaName: string | null
  rounds: StoryRound[]
}

/** Where a run's rows live: a branch reads rounds up to its branch point from its parent. */
export interface RunLineage {
  runId: string
  runKey: number
  /** Rounds at or below this come from `parent` when the run has none of its own. */
  parentRound: number | null
  parent: RunLineage | null
}

const ints = (csv: string) => (csv ? csv.split(',').map(Number) : [])

/**
 * Picks `count` agents, seeded by the run: half from agents who said something (a random
 * utterance row, so talkative agents are likelier), the rest uniformly from the population.
 */
export function sampleStoryAgents(db: Db, runId: string, seed: number, agents: number, count: number): number[] {
  if (count <= 0 || agents <= 0) return []
  const rng = rngFor(seed, 'report-stories', runId)
  const picked = new Set<number>()
  const talkers = utteranceCount(db, runId)
  const wantTalkers = Math.ceil(count / 2)
  for (let tries = 0; talkers > 0 && picked.size < wantTalkers && tries < wantTalkers * 8; tries++) {
    const agent = utteranceAgentAt(db, runId, rng.int(talkers))
    if (agent !== undefined) picked.add(agent)
  }
  for (let tries = 0; picked.size < Math.min(count, agents) && tries < count * 8; tries++) picked.add(rng.int(agents))
  return [...picked].slice(0, count).sort((a, b) => a - b)
}

/** The hidden ground truth and internal ids stay out of a report. */
const PERSONA_SKIP = new Set(['id', 'hidden', 'vector', 'taste'])

/** Persona JSON as readable facts: `likes` → "nostalgic 0.50, mysterious 0.78". */
export function personaFacts(persona: Record<string, unknown>): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const [k, v] of Object.entries(persona)) {
    if (PERSONA_SKIP.has(k) || k === 'name') continue
    const text = formatFact(v)
    if (text !== '') out.push([k, text])
  }
  return out
}

function formatFact(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'number') return String(Math.round(v * 1000) / 1000)
  if (typeof v !== 'object') return String(v)
  if (Array.isArray(v)) return v.map((x) => (x && typeof x === 'object' ? Object.values(x as object).map(formatFact).join(' ') : formatFact(x))).join(', ')
  return Object.entries(v as Record<string, unknown>)
    .filter(([k]) => !PERSONA_SKIP.has(k))
    .map(([k, x]) => `${k} ${formatFact(x)}`)
    .join(', ')
}

/** Reads one agent's rounds (up to `lastRound`), following a branch back to its parent. */
export function agentStory(db: Db, lineage: RunLineage, agent: number, lastRound: number): AgentStory {
  const read = storyReaders(db)
  const rounds: StoryRound[] = []
  for (let round = 0; round <= lastRound; round++) {
    let from: RunLineage | null = lineage
    let row: StoryEventRow | undefined
    while (from && !(row = read.event(from.runKey, round, agent))) {
      from = from.parent && from.parentRound !== null && round <= from.parentRound ? from.parent : null
    }
    if (!row || !from) continue
    rounds.push({
      round,
      present: row.present === 1,
      returned: row.returned === 1,
      shown: ints(row.slate),
      clicks: ints(row.clicks),
      ratings: ints(row.ratings),
      satisfaction: Math.round(row.satisfaction * 1e4) / 1e4,
      left: row.left_session === 1,
      said: read.said(from.runId, round, agent),
    })
  }
  let personaJson: string | undefined
  for (let from: RunLineage | null = lineage; from && personaJson === undefined; from = from.parent) personaJson = read.personaJson(from.runId, agent)
  let parsed: Record<string, unknown> | null = null
  try {
    parsed = personaJson !== undefined ? (JSON.parse(personaJson) as Record<string, unknown>) : null
  } catch {
    parsed = null
  }
  return {
    agent,
    persona: parsed ? personaFacts(parsed) : [],
    personaName: parsed && typeof parsed.name === 'string' ? parsed.name : null,
    rounds,
  }
}
