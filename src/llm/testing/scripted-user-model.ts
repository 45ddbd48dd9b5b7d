import { hashString, mix32, type ChatMessage } from '../../core/index.ts'
import type { ChatRequestBody, ScriptedAnswer } from './openai-test-server.ts'

/**
 * A scripted "model" of the AILO user for the test server: it answers evaluate-slate,
 * decide-continue and write-utterance from what the prompt shows, and nothing else.
 * It differs from the default surrogate (which acts on the hidden true utility) on
 * purpose: it follows the persona's stated likes and favourite categories literally,
 * avoids stated dislikes, and prefers cheaper items. Distillation (src/distill) must
 * recover that behaviour from the recorded calls alone.
 *
 * Its answers are a deterministic function of the prompt (a small jitter keyed by the
 * text stands in for a model's idiosyncrasies), so asking twice gives the same answer:
 * its own repeatability is 1.
 */
export interface ScriptedUserOptions {
  /** Weight of a stated like among an item's tags (each). */
  like: number
  /** Weight of a favourite category. */
  favourite: number
  /** Weight of a stated dislike among an item's tags (each; negative). */
  dislike: number
  /** Weight per dollar of price (negative: prefers cheaper items). */
  price: number
  /** Amplitude of the prompt-keyed jitter on each item's score. */
  jitter: number
}

export const SCRIPTED_USER_DEFAULTS: ScriptedUserOptions = { like: 0.45, favourite: 0.3, dislike: -0.7, price: -0.012, jitter: 0.04 }

const MAX_CLICKS: Record<string, number> = { 'efficiency-seeking': 1, 'detail-oriented': 2, 'exploration-oriented': 3 }

interface PersonaView {
  likes: Set<string>
  dislikes: Set<string>
  favourites: Set<string>
  maxClicks: number
}

const listAfter = (text: string, label: string): string[] => {
  const m = new RegExp(`${label}: ([^.\\n]*)\\.`).exec(text)
  if (!m || m[1] === 'nothing in particular') return []
  return m[1]!.split(', ').map((s) => s.trim()).filter(Boolean)
}

function personaOf(messages: readonly ChatMessage[]): PersonaView {
  const text = messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n')
  const orientation = /Orientation: ([a-z-]+)/.exec(text)?.[1] ?? 'efficiency-seeking'
  return {
    likes: new Set(listAfter(text, 'You like')),
    dislikes: new Set(listAfter(text, 'You dislike')),
    favourites: new Set(listAfter(text, 'Favourite categories')),
    maxClicks: MAX_CLICKS[orientation] ?? 1,
  }
}

const lastUser = (messages: readonly ChatMessage[]): string => [...messages].reverse().find((m) => m.role === 'user')?.content ?? ''
const jitter = (key: string, amp: number) => (mix32(hashString(key)) / 4294967296 - 0.5) * 2 * amp
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))
const round2 = (x: number) => Math.round(x * 100) / 100

const FEED_LINE = /^\d+\. \[id (\d+)\] (.*) \(([^;]*); ([^;]*); \$([\d.]+)\)$/

function evaluate(messages: readonly ChatMessage[], o: ScriptedUserOptions): unknown {
  const p = personaOf(messages)
  const user = lastUser(messages)
  const expectation = Number(/expectation for this feed \(0-1\): (\d+(?:\.\d+)?)/.exec(user)?.[1] ?? 0.5)
  const items = user
    .split('\n')
    .map((l) => FEED_LINE.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => {
      const tags = m[4]!.split(', ')
      const score =
        o.like * tags.filter((t) => p.likes.has(t)).length +
        o.dislike * tags.filter((t) => p.dislikes.has(t)).length +
        (p.favourites.has(m[3]!) ? o.favourite : 0) +
        o.price * Number(m[5]) +
        jitter(m[2]!, o.jitter)
      return { id: Number(m[1]), score }
    })
  const threshold = 0.1 + 0.4 * (expectation - 0.5)
  const ranked = [...items].sort((a, b) => b.score - a.score)
  const chosen = ranked.filter((it) => it.score > threshold).slice(0, p.maxClicks)
  const top = ranked.slice(0, 3)
  const topMean = top.length ? top.reduce((s, it) => s + it.score, 0) / top.length : 0
  return {
    clicks: chosen.map((it) => it.id),
    ratings: chosen.map((it) => ({ item: it.id, rating: Math.min(5, Math.max(1, Math.round(3 + 2.5 * it.score))) })),
    satisfaction: round2(sigmoid(5 * (topMean - threshold))),
    reason: chosen.length ? 'Some of these match what I said I like.' : 'Nothing here matches what I like.',
  }
}

function decide(messages: readonly ChatMessage[]): unknown {
  const user = lastUser(messages)
  const num = (label: string) => Number(new RegExp(`${label}: (\\d+(?:\\.\\d+)?)`).exec(user)?.[1] ?? 0)
  const pressure = 2.5 * num('Fatigue') - 2 * num('Satisfaction') - 0.3 * num('Items opened this time') + 0.6
  const leave = pressure > 0
  return { decision: leave ? 'leave' : 'continue', reason: leave ? 'I have seen enough.' : 'I will look again.' }
}

function utterance(messages: readonly ChatMessage[]): unknown {
  const user = lastUser(messages)
  const kind = /Write a (\w+)/.exec(user)?.[1] ?? 'request'
  const text = kind === 'complaint' ? 'This feed misses what I asked for.' : kind === 'praise' ? 'Good picks this time.' : 'More of what I like, please.'
  return { text }
}

/**
 * The test server's `answer` hook for the scripted user: AILO's tasks get scripted
 * answers, any other request the server's default (a value fitting its schema).
 *
 * @example
 * const server = await startOpenAiTestServer({ answer: scriptedUserAnswer() })
 */
export function scriptedUserAnswer(options: Partial<ScriptedUserOptions> = {}): (req: ChatRequestBody) => ScriptedAnswer {
  const o = { ...SCRIPTED_USER_DEFAULTS, ...options }
  return (req) => {
    const system = req.messages[0]?.content ?? ''
    // Repair turns (an assistant answer followed by the error) get the default answer too.
    if (req.messages.some((m) => m.role === 'assistant')) return undefined
    if (system.includes('Judge the feed against your expectation')) return { json: evaluate(req.messages, o) }
    if (system.includes('deciding whether to keep using it')) return { json: decide(req.messages) }
    if (system.includes('writing a short message to the service')) return { json: utterance(req.messages) }
    return undefined
  }
}
