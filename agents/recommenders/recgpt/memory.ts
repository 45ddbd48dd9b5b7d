import type { ExplanationVerdict, InterestVerdict, TagVerdict } from '../../judge/criteria.ts'

/**
 * What recgpt keeps per user between rounds (UserView.memory): what it inferred and what its
 * judge said, so that metrics can check both against the user's hidden truth.
 */
export interface RecgptMemory {
  round: number
  /** Interests as mined, and the judge's verdicts on them (before filtering). */
  mined: string[]
  minedVerdicts: InterestVerdict[] | null
  /** Interests kept after the judge. */
  interests: string[]
  /** Tags as predicted, their catalog matches and verdicts; the tags kept. */
  predicted: string[]
  predictedMatches: number[]
  tagVerdicts: TagVerdict[] | null
  tags: string[]
  /** The tags kept in the previous round (for the next-round tag hit rate). */
  prevTags: string[]
  explained?: {
    items: number[]
    /** First drafts: their claims and the judge's verdicts (judge-vs-truth agreement). */
    draftClaims: string[][]
    draftVerdicts: ExplanationVerdict[] | null
    /** What was shown: claims, and the verdict on the shown text (null: a plain fallback nobody judged). */
    shownClaims: string[][]
    shownVerdicts: Array<ExplanationVerdict | null> | null
    /** Drafts the judge rejected. */
    rejected: number
  }
}

export function asRecgptMemory(m: unknown): RecgptMemory | undefined {
  return m && typeof m === 'object' && 'mined' in m && 'predicted' in m ? (m as RecgptMemory) : undefined
}
