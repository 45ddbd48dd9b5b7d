import type { ChatMessage } from '../core/index.ts'

/**
 * Token counting with js-tiktoken's o200k_base encoding (shipped offline in the package).
 * Loading the ranks takes ~2-3 s, so it happens once per process and only when a count
 * is needed: servers normally report usage and the runner uses their figures.
 */
let encoder: Promise<{ encode(text: string): number[] }> | undefined

async function loadEncoder() {
  const [{ Tiktoken }, ranks] = await Promise.all([import('js-tiktoken/lite'), import('js-tiktoken/ranks/o200k_base')])
  return new Tiktoken(ranks.default)
}

/** Per-message overhead of the chat format (role and separators), as OpenAI documents it. */
export const MESSAGE_OVERHEAD = 4
/** Tokens that prime the assistant's reply. */
export const REPLY_PRIMING = 3

export interface TokenCounter {
  /** Tokens of a plain text. */
  text(text: string): number
  /** Prompt tokens of a chat request, with the chat-format overhead. */
  messages(messages: readonly ChatMessage[]): number
}

/** Loads the tokenizer (once per process). */
export async function tokenCounter(): Promise<TokenCounter> {
  encoder ??= loadEncoder()
  const enc = await encoder
  const text = (t: string) => enc.encode(t).length
  return {
    text,
    messages: (ms) => ms.reduce((n, m) => n + MESSAGE_OVERHEAD + text(m.content), REPLY_PRIMING),
  }
}

/** A cheap estimate (about 4 characters a token) for rate budgets before a call is sent. */
export function estimateTokens(messages: readonly ChatMessage[]): number {
  let chars = 0
  for (const m of messages) chars += m.content.length
  return Math.ceil(chars / 4) + MESSAGE_OVERHEAD * messages.length + REPLY_PRIMING
}
