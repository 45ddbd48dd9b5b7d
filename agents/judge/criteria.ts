/**
 * The judge's criteria, after RecGPT's evaluation tables (interests: willingness and
 * reasonableness; tags: relevance, consistency, specificity, validity; explanations:
 * relevance, factuality, clarity, safety). Verdicts are binary: pass or fail.
 */
export const INTEREST_CRITERIA = ['willingness', 'reasonableness'] as const
export const TAG_CRITERIA = ['relevance', 'consistency', 'specificity', 'validity'] as const
export const EXPLANATION_CRITERIA = ['relevance', 'factuality', 'clarity', 'safety'] as const

export type InterestVerdict = Record<(typeof INTEREST_CRITERIA)[number], boolean>
export type TagVerdict = Record<(typeof TAG_CRITERIA)[number], boolean>
export type ExplanationVerdict = Record<(typeof EXPLANATION_CRITERIA)[number], boolean>

/** Words an explanation shown to users must not contain (the safety criterion's surrogate check). */
export const UNSAFE_WORDS: ReadonlySet<string> = new Set(['guaranteed', 'cure', 'miracle', 'risk-free', 'stupid', 'idiot', 'hate'])

/** Pairs of attributes that contradict each other within one tag (the consistency check). */
export const CONTRADICTIONS: ReadonlyArray<readonly [string, string]> = [
  ['light', 'dark'], ['slow-paced', 'fast-paced'], ['long', 'short'], ['classic', 'modern'],
  ['feel-good', 'bleak'], ['funny', 'bleak'], ['family', 'violent'], ['historical', 'futuristic'],
]

/** Words of a sentence, and the share of them that repeat an earlier word. */
export function repetition(words: readonly string[]): number {
  if (!words.length) return 0
  return 1 - new Set(words).size / words.length
}

/** Clarity from what can be checked: a sentence of a readable length without much repetition. */
export function clarityScore(words: readonly string[]): number {
  const n = words.length
  const lengthFit = n < 6 ? n / 6 : n > 35 ? Math.max(0, 1 - (n - 35) / 25) : 1
  return Math.max(0, Math.min(1, lengthFit - 1.5 * Math.max(0, repetition(words) - 0.15)))
}
