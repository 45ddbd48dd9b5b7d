import { z } from 'zod'
import type { Catalog } from '../../../src/core/index.ts'
import { meetsHard, type Preferences } from './preferences.ts'
import { itemTokens, semanticSimilarity, tokens } from './text-similarity.ts'

/** What every tool works on: the candidate ids and their running scores. */
export interface ToolState {
  candidates: number[]
  /** Running score per catalog item (indexed by item id). */
  scores: Float64Array
  /** Candidate counts before and after Filter (the per-round log asks for them). */
  log: { tool: string; before: number; after: number }[]
}

export interface ToolContext {
  catalog: Catalog
  preferences: Preferences
  /** Collaborative score per item in [0, 1] (popularity and the user's history). */
  collaborative(item: number): number
}

/** A deterministic tool the Planner may call. `params` is validated before the call. */
export interface RecTool<P = Record<string, unknown>> {
  name: string
  description: string
  params: z.ZodType<P>
  run(state: ToolState, params: P, ctx: ToolContext): ToolState
}

/** Weighted mean similarity of each candidate to a list of soft preferences (query words tokenised once). */
function softScore(i: number, words: readonly Set<string>[], queries: { w: number; q: string[] }[], wsum: number): number {
  let s = 0
  for (const q of queries) s += q.w * semanticSimilarity(words[i]!, q.q)
  return wsum > 0 ? s / wsum : 0
}

const prepare = (soft: Preferences['positive']['soft']) => {
  const queries = soft.map((p) => ({ w: p.weight, q: tokens(p.text) }))
  return { queries, wsum: queries.reduce((s, q) => s + q.w, 0) }
}

/** Filter: keeps an item iff it meets every positive hard constraint and no negative one. */
export const filterTool: RecTool<Record<string, never>> = {
  name: 'filter',
  description: 'keep items meeting every positive hard constraint and no negative hard constraint',
  params: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
  run: (st, _p, ctx) => {
    const kept = st.candidates.filter((i) => meetsHard(ctx.catalog.items[i]!, ctx.preferences))
    return { ...st, candidates: kept, log: [...st.log, { tool: 'filter', before: st.candidates.length, after: kept.length }] }
  },
}

/** Matcher: α·semantic(positive soft) + (1−α)·collaborative. */
export const matcherTool: RecTool<{ alpha: number }> = {
  name: 'matcher',
  description: 'score = alpha * semantic match to positive soft preferences + (1 - alpha) * collaborative score',
  params: z.object({ alpha: z.number().min(0).max(1) }),
  run: (st, { alpha }, ctx) => {
    const scores = st.scores
    const soft = ctx.preferences.positive.soft
    const words = itemTokens(ctx.catalog)
    const { queries, wsum } = prepare(soft)
    const useSem = soft.length > 0 && alpha > 0
    for (const i of st.candidates) scores[i] = scores[i]! + (useSem ? alpha * softScore(i, words, queries, wsum) : 0) + (1 - alpha) * ctx.collaborative(i)
    return { ...st, scores, log: [...st.log, { tool: 'matcher', before: st.candidates.length, after: st.candidates.length }] }
  },
}

/** Attenuator: subtracts β·similarity to negative soft preferences. */
export const attenuatorTool: RecTool<{ beta: number }> = {
  name: 'attenuator',
  description: 'score -= beta * semantic similarity to negative soft preferences',
  params: z.object({ beta: z.number().min(0).max(2) }),
  run: (st, { beta }, ctx) => {
    const scores = st.scores
    const soft = ctx.preferences.negative.soft
    const words = itemTokens(ctx.catalog)
    const { queries, wsum } = prepare(soft)
    if (soft.length) for (const i of st.candidates) scores[i] = scores[i]! - beta * softScore(i, words, queries, wsum)
    return { ...st, scores, log: [...st.log, { tool: 'attenuator', before: st.candidates.length, after: st.candidates.length }] }
  },
}

/** Slate sizes are at most 100, so the Aggregator ranks at most this many. */
const RANK_LIMIT = 100

/** Aggregator: orders candidates by their summed score (ties by id, so the order is stable). */
export const aggregatorTool: RecTool<Record<string, never>> = {
  name: 'aggregator',
  description: 'rank candidates by their summed score',
  params: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
  run: (st) => {
    // A feed needs the head only: keep the best RANK_LIMIT (native numeric sort finds the cut), then order them.
    let pool = st.candidates
    if (pool.length > RANK_LIMIT) {
      const sorted = Float64Array.from(pool, (i) => st.scores[i]!).sort()
      const cut = sorted[sorted.length - RANK_LIMIT]!
      pool = pool.filter((i) => st.scores[i]! >= cut)
    }
    const ranked = [...pool].sort((a, b) => st.scores[b]! - st.scores[a]! || a - b)
    return { ...st, candidates: ranked, log: [...st.log, { tool: 'aggregator', before: st.candidates.length, after: ranked.length }] }
  },
}

/** The tool registry (MCP-style: name, description, typed params). Add tools with `registerTool`. */
export const TOOLS = new Map<string, RecTool<any>>([filterTool, matcherTool, attenuatorTool, aggregatorTool].map((t) => [t.name, t]))

export function registerTool(tool: RecTool<any>): void {
  TOOLS.set(tool.name, tool)
}

/** One planned call. */
export interface ToolCall {
  name: string
  params: Record<string, unknown>
}

/**
 * Runs a tool chain. Unknown tools and bad parameters are skipped and reported (a
 * planner's mistake must not break the feed); an Aggregator is appended if missing.
 */
export function runToolChain(chain: readonly ToolCall[], candidates: number[], ctx: ToolContext): ToolState & { problems: string[] } {
  let st: ToolState = { candidates, scores: new Float64Array(ctx.catalog.items.length), log: [] }
  const problems: string[] = []
  const calls = chain.some((c) => c.name === 'aggregator') ? chain : [...chain, { name: 'aggregator', params: {} }]
  for (const call of calls) {
    const tool = TOOLS.get(call.name)
    if (!tool) {
      problems.push(`unknown tool "${call.name}"`)
      continue
    }
    const p = tool.params.safeParse(call.params ?? {})
    if (!p.success) {
      problems.push(`bad parameters for ${call.name}: ${p.error.issues.map((i) => i.message).join('; ')}`)
      continue
    }
    st = tool.run(st, p.data, ctx)
  }
  return { ...st, problems }
}
