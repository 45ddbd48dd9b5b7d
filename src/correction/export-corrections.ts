import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SimError, type ChatMessage } from '../core/index.ts'
import type { RunStore } from '../store/index.ts'
import { registerExportFormat, type ExportResult } from '../datasets/export-registry.ts'
import { listCorrections } from './corrections-repo.ts'
import { PairTally } from '../datasets/pair-tally.ts'
import { registerReflectorSource } from '../datasets/reflector-sources.ts'
import { crsRuleViolations, crsTurnInput } from '../../agents/recommenders/crs/index.ts'

/** A corrected CRS turn is held to the CRS's rules like any exported turn: the rules it breaks. */
function ruleViolations(task: string, input: unknown, after: unknown): string[] {
  if (task !== 'crs-turn') return []
  const i = crsTurnInput.safeParse(input)
  return i.success ? crsRuleViolations(i.data, after) : []
}

/** Drops simulator-only ground truth: a trained model must never learn from `hidden`. */
function visibleInput(input: unknown): unknown {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return input
  const { hidden: _hidden, ...rest } = input as Record<string, unknown>
  return rest
}

const parse = (s: string | null): unknown => (s === null ? null : JSON.parse(s))

/**
 * Writes a run's corrections as training data: `sft.jsonl` (prompt → corrected answer),
 * `preference.jsonl` (chosen = corrected, rejected = original) and a dataset card.
 * Only corrections whose final answer passed its critics become pairs; unfixed ones are
 * counted in the card. Every row carries run, round, agent and seed.
 */
export function writeCorrections(store: RunStore, runId: string, outDir: string): ExportResult {
  const run = store.getRun(runId)
  const rows = listCorrections(store.db, runId)
  if (!rows.length) {
    throw new SimError('NO_DATA', `run ${runId} has no corrections (its critics found nothing to correct, or it ran without them: see \`--critics\`); nothing written`)
  }
  mkdirSync(outDir, { recursive: true })
  const sft: string[] = []
  const pref: string[] = []
  const byKind = new Map<string, { total: number; fixed: number }>()
  const tally = new PairTally()
  for (const r of rows) {
    const k = byKind.get(`${r.layer}/${r.kind}`) ?? { total: 0, fixed: 0 }
    k.total++
    if (r.fixed) k.fixed++
    byKind.set(`${r.layer}/${r.kind}`, k)
    if (!r.fixed || r.after === null) {
      tally.drop('verify:critic-still-fails')
      continue
    }
    const broken = ruleViolations(r.task, parse(r.input), parse(r.after))
    if (broken.length) {
      tally.drop(`rule:${broken[0]}`)
      continue
    }
    tally.keep(0)
    const prompt = parse(r.prompt) as ChatMessage[] | null
    const meta = { run_id: runId, round: r.round, agent_id: r.agent_id, seed: run.seed, task: r.task, layer: r.layer, kind: r.kind, critique: r.critique }
    const input = visibleInput(parse(r.input))
    const chosen = JSON.stringify(parse(r.after))
    sft.push(JSON.stringify({ ...meta, prompt, input, completion: chosen }))
    if (r.before !== null) pref.push(JSON.stringify({ ...meta, prompt, input, chosen, rejected: typeof parse(r.before) === 'string' ? parse(r.before) : JSON.stringify(parse(r.before)) }))
  }
  const files = [join(outDir, 'sft.jsonl'), join(outDir, 'preference.jsonl'), join(outDir, 'README.md')]
  writeFileSync(files[0]!, sft.map((l) => l + '\n').join(''))
  writeFileSync(files[1]!, pref.map((l) => l + '\n').join(''))
  writeFileSync(files[2]!, card(runId, run.scenario, run.seed, run.config.policy, rows.length, sft.length, pref.length, byKind, tally))
  const { mean_gain: _gain, ...summary } = tally.summary()
  return { files, records: sft.length + pref.length, summary }
}

function card(runId: string, scenario: string, seed: number, policy: string, total: number, sft: number, pref: number, byKind: Map<string, { total: number; fixed: number }>, tally: PairTally): string {
  const kinds = [...byKind.entries()].map(([k, v]) => `| ${k} | ${v.total} | ${v.fixed} |`).join('\n')
  return `# Corrections of run ${runId}

Actions of simulated users that usersim's error-correction layers flagged and corrected
(scenario \`${scenario}\`, policy \`${policy}\`, seed ${seed}).

- \`sft.jsonl\` (${sft} rows): supervised pairs, \`prompt\` (chat messages) / \`input\` → \`completion\` (the corrected answer, JSON).
- \`preference.jsonl\` (${pref} rows): \`chosen\` = corrected answer, \`rejected\` = the original answer.
- Each row: \`run_id, round, agent_id, seed, task, layer, kind, critique\`.

Layers: \`output\` = schema repair of a model answer; \`agent\` = a consistency critic or the LLM judge
flagged the answer, which was regenerated with the critique (reflection) or repaired.
Simulator-only ground truth (\`hidden\`) is removed from inputs.

Verification: a pair's chosen side is the answer after correction, checked by the same critic
that flagged the original; it is kept only if that critic passes it, and a corrected CRS turn must
also keep the CRS's rules. ${tally.notes('corrections')[0]}.

| layer/kind | flagged | fixed |
|---|---|---|
${kinds || '| (none) | 0 | 0 |'}
`
}

registerExportFormat({
  name: 'corrections',
  description: 'corrected actions as SFT pairs and preference pairs (JSONL) with a dataset card',
  write: (store, runId, outDir) => writeCorrections(store, runId, outDir),
})

// A critique that led to a regenerated answer is a reflection: the same reflector-row format
// as the lessons between trials (reward: 0 before, 1 if the regenerated answer passed its critic).
registerReflectorSource('corrections', (store, runId) =>
  listCorrections(store.db, runId)
    .filter((r) => r.layer === 'agent')
    .map((r) => ({
      source: 'correction',
      episode: `${runId}:${r.agent_id}`,
      agent: r.agent_id,
      round: r.round,
      trial: 0,
      input: `Task ${r.task}. Input: ${JSON.stringify(visibleInput(parse(r.input)))}\nAnswer: ${r.before ?? ''}\nProblem: ${r.problem}`,
      output: r.critique,
      last_reward: 0,
      current_reward: r.fixed ? 1 : 0,
      meta: { run_id: runId, task: r.task, kind: r.kind, after: r.after === null ? null : parse(r.after) },
    })),
)
