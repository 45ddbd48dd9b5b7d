import { emptyPreferences, type HardConstraint, type Preferences, type SoftPreference } from './preferences.ts'
import { STOPWORDS } from './text-similarity.ts'

/** The vocabulary a parser can ground a command in (the catalog's attribute schema). */
export interface Vocabulary {
  attrs: Record<string, string[]>
  categories: string[]
  softTags: string[]
}

/** What one command says, before it is merged into memory. */
export interface CommandDelta {
  delta: Preferences
  /** "no longer", "instead", "actually": the command overrides what it contradicts. */
  overwrite: boolean
  reset: boolean
  /** Only approval ("perfect", "thanks"): memory is kept as it is. */
  neutral: boolean
  understood: boolean
}

const NEGATION = /\b(no|not|nothing|without|avoid|don'?t|dont|never|hate|except|less|stop|no more|isn'?t|aren'?t)\b/
const COMPLAINT = /\b(these are all|they are all|all of these|too many|too much|so many|enough)\b/
const OVERWRITE = /\b(no longer|not anymore|any ?more|instead|actually|changed my mind|rather)\b/
const RESET = /\b(start over|reset|forget (everything|it all|all that))\b/
const NEUTRAL = /\b(perfect|great|thanks|thank you|love (it|these|them)|exactly|good|nice|awesome|that'?s it)\b/
/** Soft words that mean something without being catalog tags (seasons, occasions). */
const SOFT_EXTRA = ['autumn', 'fall', 'winter', 'summer', 'spring', 'cozy', 'comfy', 'office', 'work', 'party', 'date', 'retro', 'simple', 'airy']

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const has = (text: string, phrase: string) => new RegExp(`(^|[^a-z])${escape(phrase)}(s|es)?([^a-z]|$)`).test(text)

function priceConstraints(text: string): HardConstraint[] {
  const num = '\\$?(\\d+(?:\\.\\d+)?)'
  let m = new RegExp(`between ${num} and ${num}`).exec(text)
  if (m) return [{ attr: 'price', op: 'gte', value: Number(m[1]) }, { attr: 'price', op: 'lte', value: Number(m[2]) }]
  m = new RegExp(`(?:around|about|roughly|approximately|~)\\s*${num}`).exec(text)
  if (m) {
    const x = Number(m[1])
    return [{ attr: 'price', op: 'gte', value: Math.round(x * 0.8) }, { attr: 'price', op: 'lte', value: Math.round(x * 1.2) }]
  }
  m = new RegExp(`(?:under|below|less than|cheaper than|at most|max(?:imum)?|up to)\\s*${num}`).exec(text)
  if (m) return [{ attr: 'price', op: 'lte', value: Number(m[1]) }]
  m = new RegExp(`(?:over|above|more than|at least|min(?:imum)?)\\s*${num}`).exec(text)
  if (m && Number(m[1]) < 1900) return [{ attr: 'price', op: 'gte', value: Number(m[1]) }]
  return []
}

function yearConstraints(text: string): HardConstraint[] {
  const m = /(?:after|since|newer than|from)\s*((?:19|20)\d\d)/.exec(text)
  if (m) return [{ attr: 'year', op: 'gte', value: Number(m[1]) }]
  const b = /(?:before|older than)\s*((?:19|20)\d\d)/.exec(text)
  if (b) return [{ attr: 'year', op: 'lte', value: Number(b[1]) }]
  return []
}

/**
 * The surrogate's reading of a command: clause by clause, attribute values from the
 * vocabulary (longest first, so "light blue" wins over "blue"), price and year
 * phrases, soft words, and negation, complaint and overwrite cues.
 */
export function readCommand(command: string, vocab: Vocabulary): CommandDelta {
  const text = command.toLowerCase().replace(/[’']/g, "'")
  const delta = emptyPreferences()
  const out: CommandDelta = { delta, overwrite: OVERWRITE.test(text), reset: RESET.test(text), neutral: false, understood: false }
  const values: { attr: string; value: string }[] = []
  for (const [attr, vs] of Object.entries(vocab.attrs)) for (const v of vs) values.push({ attr, value: v })
  values.sort((a, b) => b.value.length - a.value.length)
  const softWords = [...vocab.softTags, ...SOFT_EXTRA]

  for (const raw of text.split(/[,.;:!?—–]| - | but | and then /)) {
    let clause = ` ${raw.trim()} `
    if (!clause.trim()) continue
    const negative = NEGATION.test(clause) && !/\bno longer\b/.test(clause)
    const complaint = COMPLAINT.test(clause)
    const noLonger = /\b(no longer|not anymore|any ?more)\b/.test(clause)
    const polarity = negative || complaint || noLonger ? 'negative' : 'positive'
    for (const c of priceConstraints(clause)) delta.positive.hard.push(c)
    for (const c of yearConstraints(clause)) delta.positive.hard.push(c)
    for (const { attr, value } of values) {
      if (!has(clause, value)) continue
      clause = clause.replace(value, ' ')
      delta[polarity].hard.push({ attr, op: 'eq', value })
    }
    for (const cat of vocab.categories) {
      if (!has(clause, cat)) continue
      // A category named in a complaint about the feed ("these are all short skirts") is context, not a rejection.
      delta[negative && !complaint ? 'negative' : 'positive'].hard.push({ attr: 'category', op: 'eq', value: cat })
    }
    for (const w of softWords) {
      if (!has(clause, w)) continue
      const weight = /\b(very|really|super|extremely)\b/.test(clause) ? 1 : 0.8
      delta[polarity].soft.push({ text: w, weight })
    }
  }
  const dedupe = <T>(xs: T[]) => xs.filter((x, i) => xs.findIndex((y) => JSON.stringify(y) === JSON.stringify(x)) === i)
  for (const side of ['positive', 'negative'] as const) {
    delta[side].hard = dedupe(delta[side].hard)
    delta[side].soft = dedupe(delta[side].soft)
  }
  const found = delta.positive.hard.length + delta.positive.soft.length + delta.negative.hard.length + delta.negative.soft.length
  out.neutral = !found && NEUTRAL.test(text)
  out.understood = found > 0 || out.neutral || out.reset
  return out
}

const same = (a: HardConstraint, b: HardConstraint) => a.attr === b.attr && a.op === b.op && JSON.stringify(a.value) === JSON.stringify(b.value)
const singleValued = (attr: string) => attr !== 'price' && attr !== 'year'

/**
 * Consolidates memory with a command's delta (RecBot's Parser memory rules): preserve on
 * neutral feedback; integrate compatible constraints; on conflict the newer statement
 * wins (a new value of a single-valued attribute replaces the old one, a rejected value
 * leaves the positive side, a new price bound replaces the old bound).
 */
export function consolidate(memory: Preferences, read: CommandDelta): { preferences: Preferences; update: 'preserve' | 'integrate' | 'overwrite' | 'reset' | 'none' } {
  if (!read.understood) return { preferences: memory, update: 'none' }
  if (read.reset && !hasAny(read.delta)) return { preferences: emptyPreferences(), update: 'reset' }
  if (read.neutral) return { preferences: memory, update: 'preserve' }
  const p: Preferences = read.reset ? emptyPreferences() : structuredClone(memory)
  let conflict = false
  const drop = <T>(list: T[], pred: (x: T) => boolean) => {
    const kept = list.filter((x) => !pred(x))
    if (kept.length !== list.length) conflict = true
    return kept
  }
  for (const c of read.delta.positive.hard) {
    if (c.attr === 'price' || c.attr === 'year') p.positive.hard = drop(p.positive.hard, (x) => x.attr === c.attr && x.op === c.op)
    else if (singleValued(c.attr) && c.op === 'eq') p.positive.hard = drop(p.positive.hard, (x) => x.attr === c.attr && x.op === 'eq' && x.value !== c.value)
    p.negative.hard = drop(p.negative.hard, (x) => x.attr === c.attr && x.value === c.value)
    if (!p.positive.hard.some((x) => same(x, c))) p.positive.hard.push(c)
  }
  for (const c of read.delta.negative.hard) {
    p.positive.hard = drop(p.positive.hard, (x) => x.attr === c.attr && x.value === c.value)
    if (!p.negative.hard.some((x) => same(x, c))) p.negative.hard.push(c)
  }
  const mergeSoft = (add: SoftPreference[], into: SoftPreference[], other: SoftPreference[]) => {
    for (const s of add) {
      const o = drop(other, (x) => x.text === s.text)
      other.splice(0, other.length, ...o)
      const i = into.findIndex((x) => x.text === s.text)
      if (i >= 0) into[i] = s
      else into.push(s)
    }
  }
  mergeSoft(read.delta.positive.soft, p.positive.soft, p.negative.soft)
  mergeSoft(read.delta.negative.soft, p.negative.soft, p.positive.soft)
  return { preferences: p, update: read.reset ? 'reset' : conflict || read.overwrite ? 'overwrite' : 'integrate' }
}

function hasAny(p: Preferences): boolean {
  return p.positive.hard.length + p.positive.soft.length + p.negative.hard.length + p.negative.soft.length > 0
}

export { STOPWORDS }
