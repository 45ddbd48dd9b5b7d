import { rngFor, SimError, type AgentDef, type Persona, type Utterance } from '../core/index.ts'

/**
 * What the runner keeps of one agent between rounds: the agent's own state `S`, wrapped
 * with the fields the runner owns. Shards carry these as one JSON array per shard; the
 * orchestrator and checkpoints never parse it.
 */
export interface AgentRecord<S = unknown> {
  /** In a session (false after the agent left, until it comes back). */
  present: boolean
  /** Satisfaction after the agent's last step: what an absent agent reports. */
  satisfaction: number
  /** The agent's own state (AgentDef<S>). */
  state: S
  /** The policy's memory of this user, from its last `recommend` (opaque to the agent). */
  policyMemory?: unknown
  /** What the agent said in its last step; the policy hears it next round. */
  said?: Utterance[]
  /**
   * How the agent's friends differ from the scenario's social graph: friends it added
   * (follow) and base-graph friends it dropped (unfollow). Checkpointed with the record.
   */
  links?: { add?: number[]; drop?: number[] }
}

/** A new agent's record: its initial state, present, with its opening words if it has any. */
export function initialRecord<S>(agent: AgentDef<S>, persona: Persona, seed: number, id: number): AgentRecord<S> {
  const state = agent.initialState(persona, rngFor(seed, id, 'init'))
  const rec: AgentRecord<S> = { present: true, satisfaction: agent.initialSatisfaction ?? 0.5, state }
  const opening = agent.opening?.(state)
  if (opening?.length) rec.said = opening
  return rec
}

/** Parses a shard's records (the JSON text a previous round or a checkpoint carried). */
export function parseRecords(json: string, expected: number, where: string): AgentRecord[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch (err) {
    throw new SimError('DATA_INVALID', `${where}: agent states are not valid JSON`, { cause: err })
  }
  if (!Array.isArray(parsed) || parsed.length !== expected) throw new SimError('DATA_INVALID', `${where}: expected ${expected} agent states`)
  const first = parsed[0] as Partial<AgentRecord> | undefined
  if (first && (typeof first !== 'object' || typeof first.present !== 'boolean' || !('state' in first))) {
    throw new SimError('DATA_INVALID', `${where}: agent states are not in this usersim's format (written by an older version?)`)
  }
  return parsed as AgentRecord[]
}
