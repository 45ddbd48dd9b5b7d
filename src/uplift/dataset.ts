import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { SimError } from '../core/index.ts'
import { parseCsv } from '../data/csv.ts'

export type Outcome = 'conversion' | 'visit' | 'spend'

/** An uplift table read back: features f0…fN, arm, one outcome, propensity and (if present) the true effects. */
export interface UpliftTable {
  file: string
  features: string[]
  x: Float64Array[]
  t: Uint8Array
  y: Float64Array
  e: Float64Array
  /** Exact individual effect on the outcome (ite_<outcome>), when the file has it. */
  tau?: Float64Array
  /** Expected effect (cate_<outcome>), when the file has it. */
  cate?: Float64Array
  /** Unit ids for a split by user (agent_id), when present. */
  unit?: Float64Array
  outcome: Outcome
}

/**
 * Reads an uplift CSV (an `export --format uplift` directory, or any file with Criteo-style
 * columns f0…fN, treatment and the outcome). Without a propensity column every row gets the
 * treated share. Errors name the file, line, field and what was expected.
 */
export function readUpliftTable(path: string, outcome: Outcome = 'conversion'): UpliftTable {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'uplift.csv') : path
  if (!existsSync(file)) throw new SimError('DATA_INVALID', `${file}: no such file (expected an uplift CSV, e.g. the uplift.csv of \`npx usersim export <run> --format uplift\`)`)
  const records = parseCsv(readFileSync(file, 'utf8'), file)
  const head = records.next()
  if (head.done) throw new SimError('DATA_INVALID', `${file}: empty file (expected a header line with f0…fN, treatment, ${outcome})`)
  const cols = head.value.fields.map((c) => c.trim())
  const at = new Map(cols.map((c, i) => [c, i]))
  const features = cols.filter((c) => /^f\d+$/.test(c)).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
  if (!features.length) throw new SimError('DATA_INVALID', `${file}:1: no feature columns (expected f0, f1, … as in the Criteo uplift data)`)
  for (const need of ['treatment', outcome]) {
    if (!at.has(need)) throw new SimError('DATA_INVALID', `${file}:1: missing column "${need}" (columns: ${cols.join(', ')})`)
  }
  const x: Float64Array[] = []
  const t: number[] = []
  const y: number[] = []
  const e: number[] = []
  const tau: number[] = []
  const cate: number[] = []
  const unit: number[] = []
  const fi = features.map((f) => at.get(f)!)
  const num = (fields: string[], col: string, line: number): number => {
    const raw = fields[at.get(col)!]
    const v = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw)
    if (!Number.isFinite(v)) throw new SimError('DATA_INVALID', `${file}:${line}: ${col}: expected a number, got "${raw ?? ''}"`)
    return v
  }
  const hasE = at.has('propensity')
  const hasTau = at.has(`ite_${outcome}`)
  const hasCate = at.has(`cate_${outcome}`)
  const hasUnit = at.has('agent_id')
  for (const { line, fields } of records) {
    const row = new Float64Array(fi.length)
    fi.forEach((c, j) => {
      const v = Number(fields[c])
      if (fields[c] === undefined || fields[c]!.trim() === '' || !Number.isFinite(v)) throw new SimError('DATA_INVALID', `${file}:${line}: ${features[j]}: expected a number, got "${fields[c] ?? ''}"`)
      row[j] = v
    })
    const arm = num(fields, 'treatment', line)
    if (arm !== 0 && arm !== 1) throw new SimError('DATA_INVALID', `${file}:${line}: treatment: expected 0 or 1, got ${arm}`)
    x.push(row)
    t.push(arm)
    y.push(num(fields, outcome, line))
    if (hasE) e.push(num(fields, 'propensity', line))
    if (hasTau) tau.push(num(fields, `ite_${outcome}`, line))
    if (hasCate) cate.push(num(fields, `cate_${outcome}`, line))
    if (hasUnit) unit.push(num(fields, 'agent_id', line))
  }
  if (!x.length) throw new SimError('DATA_INVALID', `${file}: no rows after the header`)
  const share = t.reduce((s, v) => s + v, 0) / t.length
  if (share === 0 || share === 1) throw new SimError('DATA_INVALID', `${file}: treatment: every row is in one arm (${share === 1 ? 'treated' : 'control'}); uplift needs both`)
  return {
    file,
    features,
    x,
    t: Uint8Array.from(t),
    y: Float64Array.from(y),
    e: hasE ? Float64Array.from(e) : new Float64Array(x.length).fill(share),
    tau: hasTau ? Float64Array.from(tau) : undefined,
    cate: hasCate ? Float64Array.from(cate) : undefined,
    unit: hasUnit ? Float64Array.from(unit) : undefined,
    outcome,
  }
}

/** The rows of a table at `idx`, as a new table. */
export function subset(tb: UpliftTable, idx: readonly number[]): UpliftTable {
  const pick = <A extends Float64Array | Uint8Array>(a: A | undefined, C: { from(v: number[]): A }) => (a ? C.from(idx.map((i) => a[i]!)) : undefined)
  return {
    ...tb,
    x: idx.map((i) => tb.x[i]!),
    t: pick(tb.t, Uint8Array)!,
    y: pick(tb.y, Float64Array)!,
    e: pick(tb.e, Float64Array)!,
    tau: pick(tb.tau, Float64Array),
    cate: pick(tb.cate, Float64Array),
    unit: pick(tb.unit, Float64Array),
  }
}
