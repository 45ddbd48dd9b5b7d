import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildRunConfig } from '../../src/runner/index.ts'
import { launchRun } from '../helpers/launch.ts'
import { RunStore } from '../../src/store/index.ts'
import { readJsonl } from '../../src/datasets/jsonl.ts'
import { dpoLlamaFactoryRecord, dpoTrlRecord, eventRecord, sftRecord } from '../../src/datasets/formats/index.ts'
import { writeDpo } from '../../src/datasets/formats/dpo.ts'
import { writeEvents } from '../../src/datasets/formats/events.ts'
import { writeSft } from '../../src/datasets/formats/sft.ts'
import { exportFormat } from '../../src/datasets/export-registry.ts'
import { crsRuleViolations, crsTurnInput, crsTurnOutput } from '../../agents/recommenders/crs/index.ts'
import { readTaskTraces } from '../../src/datasets/traces-repo.ts'
import { parseCommandOutput } from '../../agents/recommenders/recbot/tasks/parse-command.ts'
import { planToolsOutput } from '../../agents/recommenders/recbot/tasks/plan-tools.ts'

const dir = mkdtempSync(join(tmpdir(), 'usersim-ds-'))
const db = join(dir, 'runs.db')
let feedRun = ''
let convRun = ''

async function run(scenario: string, agents: number, params: Record<string, unknown> = {}) {
  const { config } = await buildRunConfig(scenario, { agents, params })
  return (await launchRun(config, { db, threads: 0 })).runId
}

beforeAll(async () => {
  feedRun = await run('interactive-feed', 60)
  convRun = await run('conversational', 60)
}, 120_000)

describe('dataset exports round-trip (written, read back, validated)', () => {
  it('sft: Parser and Planner calls of passed episodes as chat JSONL with a train/validation split', () => {
    const store = new RunStore(db)
    try {
      const out = join(dir, 'sft')
      const res = writeSft(store, feedRun, out, { validation: 0.2 })
      const train = readJsonl(join(out, 'train.jsonl'), sftRecord)
      const valid = readJsonl(join(out, 'validation.jsonl'), sftRecord)
      expect(train.length + valid.length).toBe(res.records)
      expect(train.length).toBeGreaterThan(0)
      expect(valid.length).toBeGreaterThan(0)
      const trainAgents = new Set(train.map((r) => r.meta.agent_id))
      expect(valid.some((r) => trainAgents.has(r.meta.agent_id))).toBe(false)
      for (const r of [...train, ...valid]) {
        expect(r.meta.passed).toBe(true)
        expect(r.messages.at(-1)!.role).toBe('assistant')
        const answer = JSON.parse(r.messages.at(-1)!.content)
        expect((r.meta.task === 'parse-command' ? parseCommandOutput : planToolsOutput).safeParse(answer).success).toBe(true)
        // The user's hidden target never reaches distillation data.
        expect(JSON.stringify(r.messages)).not.toContain('hidden')
      }
      expect(new Set(train.map((r) => r.meta.task))).toEqual(new Set(['parse-command', 'plan-tools']))
      const card = readFileSync(join(out, 'README.md'), 'utf8')
      expect(card).toContain(feedRun)
      expect(card).toContain('interactive-feed')
      expect(card).toContain(`| \`train.jsonl\` | ${train.length} |`)
      const only = writeSft(store, feedRun, join(dir, 'sft-parser'), { task: 'parse-command', minScore: 0.5 })
      expect(only.records).toBeGreaterThan(0)
      expect(readJsonl(join(dir, 'sft-parser', 'train.jsonl'), sftRecord).every((r) => r.meta.task === 'parse-command' && r.meta.episode_score >= 0.5)).toBe(true)
    } finally {
      store.close()
    }
  })

  it('dpo: every chosen turn keeps the CRS rules and was scored higher by the same rater; both TRL and LLaMA-Factory styles', async () => {
    const store = new RunStore(db)
    try {
      const trl = await writeDpo(store, convRun, join(dir, 'dpo'), { lambda: 5 })
      const rows = [...readJsonl(join(dir, 'dpo', 'train.jsonl'), dpoTrlRecord), ...readJsonl(join(dir, 'dpo', 'validation.jsonl'), dpoTrlRecord)]
      expect(rows.length).toBe(trl.records)
      expect(rows.length).toBeGreaterThan(0)
      const traces = readTaskTraces(store.db, store.runKey(convRun), ['crs-turn'])
      // Traces hold a call's input as it was asked: what the user had said before its first reply is nothing.
      const firstRatings = readTaskTraces(store.db, store.runKey(convRun), ['crs-user-turn']).filter((t) => t.round === 0)
      expect(firstRatings.length).toBeGreaterThan(0)
      for (const t of firstRatings) expect((t.input as { hidden: { revealed: string[] } }).hidden.revealed).toEqual([])
      for (const t of traces.filter((x) => x.round === 0)) expect((t.input as { asked: string[] }).asked).toEqual([])
      // Rewrites change the action when the cause calls for it (a reply with no way forward).
      expect(rows.some((r) => r.meta.original_action === 'respond' && r.meta.chosen_action !== 'respond')).toBe(true)
      expect(trl.summary).toMatchObject({ kept: trl.records })
      const card = readFileSync(join(dir, 'dpo', 'README.md'), 'utf8')
      expect(card).toContain(`rewrites: kept ${trl.records}`)
      expect(card).toContain('mean verified gain of chosen over rejected')
      expect(card).toContain('they test a training pipeline end to end and are not training data')
      expect(card).toContain('models by side')
      for (const r of rows) {
        const chosen = crsTurnOutput.parse(JSON.parse(r.chosen[0]!.content))
        const rejected = crsTurnOutput.parse(JSON.parse(r.rejected[0]!.content))
        expect([chosen.action, rejected.action]).toEqual([r.meta.chosen_action, r.meta.original_action])
        expect(chosen.text).not.toBe(rejected.text)
        // Issue 23: the chosen side keeps every CRS rule and the rater scored it higher on what it deducted.
        const context = crsTurnInput.parse(traces.find((t) => t.agent === r.meta.agent_id && t.round === r.meta.round)!.input)
        expect(crsRuleViolations(context, chosen)).toEqual([])
        expect(crsRuleViolations(context, rejected)).toEqual(r.meta.rejected_rules)
        expect(r.meta.gain).toBeGreaterThan(0)
        expect(r.meta.chosen_scores.expression - r.meta.rejected_scores.expression).toBe(r.meta.gain)
        expect(r.meta.chosen_scores.strategy).toBeGreaterThanOrEqual(r.meta.rejected_scores.strategy)
        expect(r.meta.rejected_scores.expression).toBe(r.meta.scores.expression)
        expect(r.meta.scores.expression).toBeLessThan(5)
        expect(r.meta.scores.expression).toBe(5 - r.meta.deductions.flexibility - r.meta.deductions.coherence - r.meta.deductions.guidance)
        expect(r.meta.reasons.expression.length).toBeGreaterThan(0)
        expect(r.prompt.at(-1)!.content).toContain('Dialogue so far')
      }
      const lf = await writeDpo(store, convRun, join(dir, 'dpo-lf'), { lambda: 4, style: 'llamafactory' })
      const lfRows = [...readJsonl(join(dir, 'dpo-lf', 'train.jsonl'), dpoLlamaFactoryRecord), ...readJsonl(join(dir, 'dpo-lf', 'validation.jsonl'), dpoLlamaFactoryRecord)]
      expect(lfRows.length).toBe(lf.records)
      expect(lf.records).toBeLessThanOrEqual(trl.records)
      expect(lfRows.every((r) => r.meta.scores.expression < 4 && r.meta.lambda === 4)).toBe(true)
    } finally {
      store.close()
    }
  })

  it('events: one validated row per agent and round', () => {
    const store = new RunStore(db)
    try {
      const res = writeEvents(store, convRun, join(dir, 'events'))
      const rows = readJsonl(join(dir, 'events', 'events.jsonl'), eventRecord)
      const cfg = store.getRun(convRun).config
      expect(rows.length).toBe(cfg.agents * cfg.rounds)
      expect(res.records).toBe(rows.length)
      expect(rows.some((r) => r.clicks.length === 1 && r.ratings[0] === 5)).toBe(true)
    } finally {
      store.close()
    }
  })

  it('an export of a run without such data says so and writes nothing', async () => {
    const store = new RunStore(db)
    try {
      const out = join(dir, 'nothing')
      await expect(writeDpo(store, feedRun, out)).rejects.toMatchObject({ code: 'NO_DATA' })
      expect(() => writeSft(store, feedRun, out, { minScore: 1.01 })).toThrow(/none from a passed episode/)
      expect(existsSync(out)).toBe(false)
      expect(exportFormat('sft')).toBeDefined()
    } finally {
      store.close()
    }
  })

  it('a bad dataset line is a clear error naming the file, line and field', () => {
    expect(() => readJsonl(join(dir, 'events', 'README.md'), eventRecord)).toThrow(/README.md:1: not valid JSON/)
  })
})
