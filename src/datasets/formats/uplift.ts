import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SimError } from '../../core/index.ts'
import { FEATURES, shopperStateOf, upliftRecord, type UpliftRecord } from '../../../agents/users/shopper/index.ts'
import { loadCheckpoint } from '../../checkpoint/checkpoint-repo.ts'
import type { RunStore } from '../../store/index.ts'
import { renderCard } from '../card.ts'
import { registerExportFormat, type ExportResult } from '../export-registry.ts'
import { writeParquetTable } from './parquet.ts'

/**
 * The uplift table's columns, named as in the Criteo uplift dataset (f0…fN, treatment,
 * conversion, visit, exposure) so existing tooling reads them, then what only a simulator
 * can add: the assignment propensity, the treatment's cost and the exact effects.
 */
export const UPLIFT_COLUMNS = [
  ...FEATURES.map((_, j) => `f${j}`),
  'treatment',
  'conversion',
  'visit',
  'exposure',
  'spend',
  'clicks',
  'propensity',
  'cost',
  'ite_conversion',
  'ite_visit',
  'ite_spend',
  'cate_conversion',
  'cate_visit',
  'cate_spend',
  'treatment_kind',
  'round',
  'agent_id',
] as const
export type UpliftColumn = (typeof UPLIFT_COLUMNS)[number]
export type UpliftRow = Record<UpliftColumn, number | string>

const r4 = (x: number) => Math.round(x * 1e4) / 1e4

/** One export row from one logged round (outcomes: [visit, clicks, conversion, spend, exposure]). */
export function upliftRow(agent: number, r: UpliftRecord): UpliftRow {
  const y1 = r.a === 1 ? r.o : r.w
  const y0 = r.a === 1 ? r.w : r.o
  const row: Record<string, number | string> = {}
  r.x.forEach((v, j) => (row[`f${j}`] = v))
  Object.assign(row, {
    treatment: r.a,
    conversion: r.o[2]!,
    visit: r.o[0]!,
    exposure: r.o[4]!,
    spend: r.o[3]!,
    clicks: r.o[1]!,
    propensity: r.p,
    cost: r.c,
    ite_conversion: y1[2]! - y0[2]!,
    ite_visit: y1[0]! - y0[0]!,
    ite_spend: r4(y1[3]! - y0[3]!),
    cate_conversion: r4(r.e[3]! - r.e[2]!),
    cate_visit: r4(r.e[1]! - r.e[0]!),
    cate_spend: r4(r.e[5]! - r.e[4]!),
    treatment_kind: r.k,
    round: r.r,
    agent_id: agent,
  })
  return row as UpliftRow
}

/** Every logged round of a run, in (round, agent) order, from its newest checkpoint (the shoppers' states). */
export function readUpliftRows(store: RunStore, runId: string): UpliftRow[] {
  const cp = loadCheckpoint(store, runId)
  if (!cp) throw new SimError('NO_DATA', `run ${runId} has no checkpoint, so no agent states to read the uplift log from; nothing written`)
  const rows: { round: number; agent: number; row: UpliftRow }[] = []
  for (const part of cp.states) {
    if (part.states === null) continue
    const states = JSON.parse(part.states) as unknown[]
    states.forEach((s, k) => {
      const shop = shopperStateOf(s)
      if (!shop) return
      for (const rec of shop.rounds) {
        const r = upliftRecord.safeParse(rec)
        if (!r.success) throw new SimError('DATA_INVALID', `run ${runId}: agent ${part.start + k} has a malformed uplift record (${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message})`)
        rows.push({ round: r.data.r, agent: part.start + k, row: upliftRow(part.start + k, r.data) })
      }
    })
  }
  if (!rows.length) {
    throw new SimError('NO_DATA', `run ${runId} has no uplift log (run the marketing scenario with a campaign policy: rct, target-random or target-uplift); nothing written`)
  }
  rows.sort((a, b) => a.round - b.round || a.agent - b.agent)
  return rows.map((r) => r.row)
}

const csvCell = (v: number | string) => (typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)

/** The rows as CSV text with a header line. */
export function toCsv(rows: readonly UpliftRow[]): string {
  const lines = [UPLIFT_COLUMNS.join(',')]
  for (const r of rows) lines.push(UPLIFT_COLUMNS.map((c) => csvCell(r[c]!)).join(','))
  return lines.join('\n') + '\n'
}

/** `usersim export <run> --format uplift`: uplift.csv, uplift.parquet and the dataset card. */
export async function writeUplift(store: RunStore, runId: string, outDir: string): Promise<ExportResult> {
  const run = store.getRun(runId)
  const rows = readUpliftRows(store, runId)
  mkdirSync(outDir, { recursive: true })
  const csv = join(outDir, 'uplift.csv')
  const parquet = join(outDir, 'uplift.parquet')
  const card = join(outDir, 'README.md')
  writeFileSync(csv, toCsv(rows))
  await writeParquetTable(parquet, UPLIFT_COLUMNS, rows)
  const kinds = [...new Set(rows.map((r) => r.treatment_kind))].join(', ')
  const treated = rows.filter((r) => r.treatment === 1).length
  const ate = rows.reduce((s, r) => s + (r.ite_conversion as number), 0) / rows.length
  writeFileSync(
    card,
    renderCard({
      title: `Uplift data of run ${runId}`,
      summary:
        'One row per simulated shopper and round: the features the shop logged before the round, the treatment, the outcomes, ' +
        'the assignment propensity, and the exact individual treatment effect (ITE) of the round — the outcome under the arm ' +
        'taken minus the outcome of the same shopper, from the same state and the same random draws, under the other arm. ' +
        'Column names follow the Criteo uplift dataset (f0…fN, treatment, conversion, visit, exposure).',
      run,
      format: 'uplift',
      models: [],
      filters: {},
      files: [
        { name: 'uplift.csv', records: rows.length, what: 'the table, comma-separated with a header line' },
        { name: 'uplift.parquet', records: rows.length, what: 'the same table as Parquet (doubles; treatment_kind a string)' },
      ],
      fields: {
        ...Object.fromEntries(FEATURES.map((f, j) => [`f${j}`, `${f.name}: ${f.meaning}`])),
        treatment: '1 treated, 0 control',
        conversion: 'bought an item this round (0/1)',
        visit: 'visited the shop this round (0/1)',
        exposure: 'actually exposed to the treatment: treated and (push) delivered or (coupon, slot) visited',
        spend: 'amount paid this round (after a coupon)',
        clicks: 'recommended items looked at this round',
        propensity: 'P(treatment = 1) at assignment (1 or 0 when targeted deterministically)',
        cost: "the marketer's cost of this row's treatment (0 for control)",
        'ite_conversion, ite_visit, ite_spend': 'exact effect: outcome under treatment minus outcome under control for this shopper and round (one of the two is the twin)',
        'cate_conversion, cate_visit, cate_spend': "expected effect given the shopper's hidden state (the simulator's probabilities; no draw noise)",
        treatment_kind: 'coupon, push or slot',
        'round, agent_id': 'provenance (never use as features)',
      },
      notes: [
        `${rows.length} rows, ${treated} treated; treatment kind(s): ${kinds}; mean ITE on conversion ${r4(ate)}.`,
        'Features are what a shop would log: the CRM profile (f0–f9) and behaviour aggregates before the round (f10–f13); the hidden truth (segment, price sensitivity, intent) is never in a column.',
        'ite_* and cate_* are ground truth for evaluation: never train on them.',
        'Rows with propensity strictly between 0 and 1 come from randomised assignment; rows with 0 or 1 were targeted by a model.',
      ],
    }),
  )
  return { files: [csv, parquet, card], records: rows.length }
}

registerExportFormat({
  name: 'uplift',
  description: 'uplift modelling table (features, treatment, outcomes, propensity, exact ITE) as CSV and Parquet',
  write: (store, runId, outDir) => writeUplift(store, runId, outDir),
})
