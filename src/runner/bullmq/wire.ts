import { endianness } from 'node:os'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { z } from 'zod'
import { messagesSchema, SimError, type Message, type RowBatch, type ShardResult } from '../../core/index.ts'
import { runConfigSchema } from '../../config/index.ts'
import { llmSettingsSchema } from '../../llm/settings.ts'

/**
 * What crosses Redis for one shard, and how.
 *
 * The job itself stays small (ids, config, hashes; under 4 KB): Bull Board can show it and
 * BullMQ's event stream never carries bulk data. The bulk goes in plain keys, in binary:
 * - agent states (JSON text) deflated, under `in:<round>:<shard>`;
 * - the result under `out:<round>:<shard>`: a JSON header, then the RowBatch's typed arrays
 *   as raw little-endian bytes, then the deflated new states.
 * Both sides validate what they read with zod and by checking every length.
 */

/** A shard's payload larger than this is refused with advice to use more shards. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024

export const JOB_FORMAT = 1

export const shardJobSchema = z
  .object({
    v: z.literal(JOB_FORMAT),
    runId: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'run ids are letters, digits, ".", "_" and "-"'),
    round: z.number().int().nonnegative(),
    shard: z.number().int().nonnegative(),
    start: z.number().int().nonnegative(),
    end: z.number().int().positive(),
    hasStates: z.boolean(),
    /** Messages for the shard's agents wait under `mail:<round>:<shard>`. */
    hasInbox: z.boolean().optional(),
    config: runConfigSchema,
    llm: llmSettingsSchema.optional(),
    concurrency: z.number().int().min(1).max(10_000),
    codeHash: z.string().min(1),
    scenarioHash: z.string().min(1),
    /** The orchestrator's Node version: snapshots are v8-serialized. */
    node: z.string().min(1),
  })
  .refine((j) => j.end > j.start, { message: 'end must be greater than start', path: ['end'] })
  .refine((j) => j.end <= j.config.agents, { message: 'end is past the run\'s agents', path: ['end'] })
export type ShardJob = z.infer<typeof shardJobSchema>

/** Announced on the warm-up channel when a run starts (a hint: nothing depends on it). */
export const warmupSchema = z.object({
  v: z.literal(JOB_FORMAT),
  config: runConfigSchema,
  codeHash: z.string(),
  scenarioHash: z.string(),
})

/** What a worker returns to BullMQ: a receipt only; the result lives under its own key. */
export interface ShardReceipt {
  bytes: number
  worker: string
}

const MAGIC = 0x55535231 // "USR1"

type ColumnName = 'flags' | 'slates' | 'clickOffsets' | 'clicks' | 'ratings' | 'satisfaction' | 'ndcg' | 'ild' | 'novelty' | 'violations' | 'funnel' | 'gmv'
const COLUMNS: ReadonlyArray<[ColumnName, { new (b: ArrayBuffer): ArrayBufferView; BYTES_PER_ELEMENT: number }]> = [
  ['flags', Uint8Array],
  ['slates', Int32Array],
  ['clickOffsets', Uint32Array],
  ['clicks', Int32Array],
  ['ratings', Int8Array],
  ['satisfaction', Float64Array],
  ['ndcg', Float64Array],
  ['ild', Float64Array],
  ['novelty', Float64Array],
  ['violations', Uint16Array],
  ['funnel', Uint8Array],
  ['gmv', Float64Array],
]

const headerSchema = z.object({
  runId: z.string(),
  round: z.number().int().nonnegative(),
  shard: z.number().int().nonnegative(),
  start: z.number().int().nonnegative(),
  end: z.number().int().positive(),
  awayBefore: z.number().int().nonnegative(),
  errors: z.array(z.object({ agent: z.number().int(), round: z.number().int(), message: z.string() })),
  taskCounts: z.record(z.string(), z.number().int().nonnegative()),
  calls: z.array(z.looseObject({ task: z.string(), agent: z.number().int(), round: z.number().int(), outcome: z.string() })),
  /** What shard extensions collected: lists of records by extension field (e.g. corrections). */
  extras: z.record(z.string(), z.array(z.looseObject({}))).optional(),
  /** Messages the shard's agents sent (delivered next round). */
  messages: messagesSchema.optional(),
  rows: z.object({
    round: z.number().int().nonnegative(),
    start: z.number().int().nonnegative(),
    count: z.number().int().nonnegative(),
    slateSize: z.number().int().positive(),
    utterances: z.array(z.object({ agent: z.number().int(), kind: z.string(), text: z.string() })),
    searches: z.array(z.object({ agent: z.number().int(), query: z.string(), reformulation: z.boolean() })),
  }),
  columns: z.array(z.number().int().nonnegative()).length(COLUMNS.length),
  statesBytes: z.number().int().nonnegative(),
})

if (endianness() !== 'LE') throw new Error('usersim workers need a little-endian machine (typed arrays travel as raw bytes)')

/** Deflated agent states (JSON text). Level 1: states shrink about 6×, at a few ms per MB. */
export function packStates(states: string): Buffer {
  return deflateRawSync(states, { level: 1 })
}

export function unpackStates(blob: Buffer, what: string): string {
  try {
    return inflateRawSync(blob).toString('utf8')
  } catch (err) {
    throw new SimError('DATA_INVALID', `${what}: agent states are not a valid deflate stream`, { cause: err })
  }
}

/** A shard's inbox as one deflated value. */
export function packMail(messages: readonly Message[]): Buffer {
  return deflateRawSync(JSON.stringify(messages), { level: 1 })
}

export function unpackMail(blob: Buffer, what: string): Message[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(inflateRawSync(blob).toString('utf8'))
  } catch (err) {
    throw new SimError('DATA_INVALID', `${what}: its messages are not valid deflated JSON`, { cause: err })
  }
  const m = messagesSchema.safeParse(parsed)
  if (!m.success) throw new SimError('DATA_INVALID', `${what}: its messages are not valid: ${m.error.issues[0]?.message ?? 'bad shape'}`)
  return m.data
}

/** A shard result as one binary value (see the file comment). */
export function encodeResult(r: ShardResult, packedStates = packStates(r.states)): Buffer {
  const b = r.rows
  const columns = COLUMNS.map(([name]) => b[name].byteLength)
  const header = Buffer.from(
    JSON.stringify({
      runId: r.runId, round: r.round, shard: r.shard, start: r.start, end: r.end, awayBefore: r.awayBefore,
      errors: r.errors, taskCounts: r.taskCounts, calls: r.calls, extras: r.extras, messages: r.messages,
      rows: { round: b.round, start: b.start, count: b.count, slateSize: b.slateSize, utterances: b.utterances, searches: b.searches },
      columns, statesBytes: packedStates.length,
    }),
    'utf8',
  )
  const parts: Buffer[] = [Buffer.alloc(8), header]
  parts[0]!.writeUInt32LE(MAGIC, 0)
  parts[0]!.writeUInt32LE(header.length, 4)
  for (const [name] of COLUMNS) parts.push(Buffer.from(b[name].buffer, b[name].byteOffset, b[name].byteLength))
  parts.push(packedStates)
  return Buffer.concat(parts)
}

/**
 * Reads a result back and checks it all: the header against its schema, every column's
 * length against the row count, click offsets rising, the states' count. Also returns
 * the packed states so the next round can reuse them without compressing again.
 */
export function decodeResult(buf: Buffer, what: string): { result: ShardResult; packedStates: Buffer } {
  const bad = (msg: string): never => {
    throw new SimError('DATA_INVALID', `${what}: malformed result (${msg})`)
  }
  if (buf.length < 8 || buf.readUInt32LE(0) !== MAGIC) bad('not a usersim shard result')
  const headerLen = buf.readUInt32LE(4)
  if (8 + headerLen > buf.length) bad('header runs past the end')
  let raw: unknown
  try {
    raw = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8'))
  } catch {
    return bad('header is not JSON')
  }
  const parsed = headerSchema.safeParse(raw)
  if (!parsed.success) return bad(z.prettifyError(parsed.error))
  const h = parsed.data
  const n = h.rows.count
  if (n !== h.end - h.start || h.rows.start !== h.start || h.rows.round !== h.round) bad(`rows cover ${n} agents from ${h.rows.start}, expected [${h.start}, ${h.end})`)
  let off = 8 + headerLen
  const cols = {} as Record<ColumnName, ArrayBufferView>
  COLUMNS.forEach(([name, Ctor], i) => {
    const len = h.columns[i]!
    if (len % Ctor.BYTES_PER_ELEMENT !== 0 || off + len > buf.length) bad(`column ${name} has a bad length`)
    // A copy gives each column its own aligned buffer (a Float64Array needs 8-byte alignment).
    const ab = new ArrayBuffer(len)
    new Uint8Array(ab).set(buf.subarray(off, off + len))
    cols[name] = new Ctor(ab)
    off += len
  })
  const rows: RowBatch = { ...h.rows, ...(cols as unknown as Pick<RowBatch, ColumnName>) }
  const elems = (a: ArrayBufferView) => (a as Uint8Array).length
  if (elems(rows.flags) !== n || elems(rows.slates) !== n * rows.slateSize || elems(rows.clickOffsets) !== n + 1) bad('row columns do not match the row count')
  for (const c of ['satisfaction', 'ndcg', 'ild', 'novelty', 'violations', 'gmv'] as const) if (elems(rows[c]) !== n) bad(`column ${c} does not match the row count`)
  const co = rows.clickOffsets
  if (co[0] !== 0 || co[n] !== rows.clicks.length || rows.ratings.length !== rows.clicks.length || rows.funnel.length !== rows.clicks.length) bad('click offsets do not match the clicks')
  for (let k = 0; k < n; k++) if (co[k + 1]! < co[k]!) bad('click offsets go backwards')
  if (off + h.statesBytes !== buf.length) bad('states run past the end or trailing bytes')
  const packedStates = buf.subarray(off, off + h.statesBytes)
  const states = unpackStates(packedStates, what)
  // The orchestrator carries states as text; the next round's shard checks their count.
  if (!states.startsWith('[') || !states.endsWith(']')) bad('states are not a JSON array')
  const result: ShardResult = {
    runId: h.runId, round: h.round, shard: h.shard, start: h.start, end: h.end, rows, states,
    awayBefore: h.awayBefore, errors: h.errors, taskCounts: h.taskCounts, calls: h.calls as ShardResult['calls'],
  }
  if (h.extras && Object.keys(h.extras).length) result.extras = h.extras as ShardResult['extras']
  if (h.messages?.length) result.messages = h.messages
  return { result, packedStates: Buffer.from(packedStates) }
}
