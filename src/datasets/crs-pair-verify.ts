import { z } from 'zod'
import type { TaskRunner } from '../core/index.ts'
import { crsRuleViolations, type CrsTurnInput, type CrsTurnOutput } from '../../agents/recommenders/crs/index.ts'
import { asksAbout, crsUserTurn, type CrsUserTurnInput, type CrsUserTurnOutput } from '../../agents/users/crs-user/index.ts'

type Ratings = CrsUserTurnOutput['ratings']
const DEDUCTIONS = ['flexibility', 'coherence', 'guidance'] as const

/** The rater's scores of one turn, as stored in a pair's meta. */
export const scoreVector = z.object({
  expression: z.number(),
  strategy: z.number(),
  recommendation: z.number(),
  deductions: z.object({ flexibility: z.number(), coherence: z.number(), guidance: z.number() }),
})
export type ScoreVector = z.infer<typeof scoreVector>

export const scoresOf = (r: Ratings): ScoreVector => ({ expression: r.expression, strategy: r.strategy, recommendation: r.recommendation, deductions: { ...r.deductions } })

/**
 * The rater's input for another CRS turn in the same place: the same persona, dialogue,
 * hidden target and turn, with the system turn replaced, heard the way the user agent
 * hears it (a recommendation by its item, else a question by its "?").
 */
export function raterInputFor(userInput: CrsUserTurnInput, context: CrsTurnInput, turn: CrsTurnOutput): CrsUserTurnInput {
  const item = turn.action === 'recommend' ? (context.candidates.find((c) => c.id === turn.item) ?? context.candidates[0]) : undefined
  const action: CrsUserTurnInput['system']['action'] = item ? 'recommend' : turn.text.includes('?') ? 'ask' : 'respond'
  return {
    ...userInput,
    system: {
      text: turn.text,
      action,
      ...(action === 'ask' ? { asksAbout: asksAbout(turn.text) } : {}),
      ...(item ? { item: { title: item.title, category: item.category, tags: item.tags, price: item.price } } : {}),
    },
  }
}

export type Verdict = { keep: true; gain: number; chosen: ScoreVector } | { keep: false; reason: string; chosen?: ScoreVector }

/**
 * Compares the rater's scores of the chosen turn with those of the rejected one. Kept
 * only when the deducted dimensions (flexibility, coherence, guidance: what made the
 * user unhappy) lose deductions and nothing gets worse: expression and strategy no
 * lower, no new deduction, and the item match no lower when both sides recommend.
 * The gain is the rise in expectation confirmation (5 − deductions).
 */
export function judgePair(rejected: ScoreVector, chosen: ScoreVector): Verdict {
  const deducted = DEDUCTIONS.filter((d) => rejected.deductions[d] > 0)
  const relieved = deducted.reduce((n, d) => n + rejected.deductions[d] - chosen.deductions[d], 0)
  if (relieved <= 0 || deducted.some((d) => chosen.deductions[d] > rejected.deductions[d])) return { keep: false, reason: 'verify:no-gain', chosen }
  const worse =
    chosen.expression < rejected.expression ||
    chosen.strategy < rejected.strategy ||
    DEDUCTIONS.some((d) => !deducted.includes(d) && chosen.deductions[d] > rejected.deductions[d]) ||
    (rejected.recommendation > 0 && chosen.recommendation > 0 && chosen.recommendation < rejected.recommendation)
  if (worse) return { keep: false, reason: 'verify:worse-elsewhere', chosen }
  return { keep: true, gain: chosen.expression - rejected.expression, chosen }
}

/** Rules first (a chosen turn that breaks one is dropped), then the rater's re-score. */
export async function verifyCrsPair(
  args: { context: CrsTurnInput; userInput: CrsUserTurnInput; rejected: ScoreVector; chosen: CrsTurnOutput },
  rater: TaskRunner,
  meta: { runSeed: number; agent: number; round: number },
): Promise<Verdict & { rules: string[] }> {
  const rules = crsRuleViolations(args.context, args.chosen)
  if (rules.length) return { keep: false, reason: `rule:${rules[0]}`, rules }
  // call 1: a different draw from the rating in the run (call 0), same rater and context.
  const out = await rater.run(crsUserTurn, raterInputFor(args.userInput, args.context, args.chosen), { ...meta, call: 1 })
  return { ...judgePair(args.rejected, scoresOf(out.ratings)), rules }
}
