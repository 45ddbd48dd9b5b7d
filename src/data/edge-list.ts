import { readFileSync } from 'node:fs'
import { parseCsv } from './csv.ts'
import { dataError } from './errors.ts'

/** Friendships read from a file: two parallel lists of agent ids (undirected edges). */
export interface EdgeList {
  a: Int32Array
  b: Int32Array
  /** The largest agent id named, plus one. */
  agents: number
}

/**
 * Reads an edge list: one friendship per line, two agent ids separated by a comma (or a
 * tab or space), an optional header line (`source,target`), `#` comments. Bad lines are
 * errors naming the file and line.
 *
 * @example
 * // friends.csv
 * // source,target
 * // 0,17
 * // 0,42
 * const edges = readEdgeList('friends.csv')
 */
export function readEdgeList(file: string): EdgeList {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw dataError(file, undefined, `cannot read the edge list: ${(err as Error).message}`)
  }
  const delimiter = text.includes(',') ? ',' : text.includes('\t') ? '\t' : ' '
  const a: number[] = []
  const b: number[] = []
  let max = -1
  for (const { line, fields } of parseCsv(text, file, delimiter)) {
    const cells = fields.map((f) => f.trim()).filter((f) => f !== '')
    if (!cells.length || cells[0]!.startsWith('#')) continue
    if (cells.length < 2) throw dataError(file, line, `expected two agent ids (source,target), got "${fields.join(delimiter)}"`)
    const u = Number(cells[0])
    const v = Number(cells[1])
    if (a.length === 0 && b.length === 0 && (!Number.isFinite(u) || !Number.isFinite(v)) && line === firstLine(text)) continue // header
    if (!Number.isInteger(u) || !Number.isInteger(v) || u < 0 || v < 0) throw dataError(file, line, `agent ids must be non-negative integers, got "${cells[0]}" and "${cells[1]}"`)
    a.push(u)
    b.push(v)
    max = Math.max(max, u, v)
  }
  if (!a.length) throw dataError(file, undefined, 'the edge list has no edges')
  return { a: Int32Array.from(a), b: Int32Array.from(b), agents: max + 1 }
}

/** The 1-based line of the first non-blank, non-comment line. */
function firstLine(text: string): number {
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.trim()
    if (t !== '' && !t.startsWith('#')) return i + 1
  }
  return 1
}
