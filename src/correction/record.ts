import type { CorrectionRecord, ShardResult, TaskCallRecord } from '../core/index.ts'
import type { Db } from '../store/index.ts'

const statements = new WeakMap<Db, ReturnType<typeof prepare>>()

function prepare(db: Db) {
  return db.prepare(
    'INSERT INTO corrections (run_id, round, agent_id, task, layer, kind, problem, critique, input, prompt, before, after, attempts, fixed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  )
}

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v))

/**
 * Stores a shard's corrections: the agent layer's (critics, judge) from
 * `result.corrections`, and the output layer's from the LLM layer's call records
 * (outcome `repaired`). Runs inside RunStore.commitShard's transaction, so corrections
 * count once with the shard they belong to.
 */
export function recordCorrections(db: Db, runId: string, result: ShardResult): void {
  const list: CorrectionRecord[] = [...(result.corrections ?? [])]
  for (const c of result.calls) if (c.outcome === 'repaired') list.push(outputCorrection(c))
  if (!list.length) return
  let ins = statements.get(db)
  if (!ins) statements.set(db, (ins = prepare(db)))
  for (const c of list) {
    ins.run(runId, c.round, c.agent, c.task, c.layer, c.kind, c.problem, c.critique, json(c.input), json(c.prompt), json(c.before), json(c.after), c.attempts, c.fixed ? 1 : 0)
  }
}

/**
 * The LLM layer's schema repair as a correction. Its logged conversation is the prompt,
 * then each invalid answer and the validation error sent back: the first answer is the
 * "before", the output kept the "after" (without prompt logging only the after is known).
 */
function outputCorrection(c: TaskCallRecord): CorrectionRecord {
  const conv = c.prompt ?? []
  const at = conv.findIndex((m) => m.role === 'assistant')
  const bad = at >= 0 ? conv[at]!.content : undefined
  const feedback = at >= 0 ? conv[at + 1]?.content : undefined
  return {
    round: c.round,
    agent: c.agent,
    task: c.task,
    layer: 'output',
    kind: 'schema-repair',
    problem: c.error ?? `the answer failed schema validation${c.repairs ? ` (${c.repairs} repair(s))` : ''}`,
    critique: feedback ?? 'Your answer did not match the required JSON.',
    input: c.input,
    prompt: at >= 0 ? conv.slice(0, at) : c.prompt,
    before: bad === undefined ? null : tryJson(bad),
    after: c.output ?? null,
    attempts: c.repairs ?? 1,
    fixed: true,
  }
}

function tryJson(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return s
  }
}
