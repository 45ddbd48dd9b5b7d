import { rngFor } from '../core/index.ts'
import type { Db } from '../store/index.ts'

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
  const talkers = (db.prepare('SELECT count(*) AS n FROM utterances WHERE run_id = ?').get(runId) as { n: number }).n
  const at = db.prepare('SELECT agent_id FROM utterances WHERE run_id = ? ORDER BY round, agent_id LIMIT 1 OFFSET ?')
  const wantTalkers = Math.ceil(count / 2)
  for (let tries = 0; talkers > 0 && picked.size < wantTalkers && tries < wantTalkers * 8; tries++) {
    const row = at.get(runId, rng.int(talkers)) as { agent_id: number } | undefined
    if (row) picked.add(row.agent_id)
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
  const ev = db.prepare('SELECT present, returned, slate, clicks, ratings, satisfaction, left_session FROM events WHERE run_key = ? AND round = ? AND agent_id = ?')
  const said = db.prepare('SELECT kind, text FROM utterances WHERE run_id = ? AND round = ? AND agent_id = ? ORDER BY rowid')
  const persona = db.prepare('SELECT persona FROM agents WHERE run_id = ? AND agent_id = ?')
  const rounds: StoryRound[] = []
  for (let round = 0; round <= lastRound; round++) {
    let from: RunLineage | null = lineage
    let row: Record<string, unknown> | undefined
    while (from && !(row = ev.get(from.runKey, round, agent) as Record<string, unknown> | undefined)) {
      from = from.parent && from.parentRound !== null && round <= from.parentRound ? from.parent : null
    }
    if (!row || !from) continue
    rounds.push({
      round,
      present: row.present === 1,
      returned: row.returned === 1,
      shown: ints(row.slate as string),
      clicks: ints(row.clicks as string),
      ratings: ints(row.ratings as string),
      satisfaction: Math.round((row.satisfaction as number) * 1e4) / 1e4,
      left: row.left_session === 1,
      said: said.all(from.runId, round, agent) as Array<{ kind: string; text: string }>,
    })
  }
  let personaRow: { persona: string } | undefined
  for (let from: RunLineage | null = lineage; from && !personaRow; from = from.parent) personaRow = persona.get(from.runId, agent) as { persona: string } | undefined
  let parsed: Record<string, unknown> | null = null
  try {
    parsed = personaRow ? (JSON.parse(personaRow.persona) as Record<string, unknown>) : null
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
