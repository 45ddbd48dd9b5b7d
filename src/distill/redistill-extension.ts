import { surrogateProfileSchema, type SurrogateProfile } from '../config/index.ts'
import type { RunExtension } from '../runner/round-loop.ts'
import { roundTaskAudits } from './audit-repo.ts'
import { estimate } from './audit-tally.ts'
import { distillRun } from './distill-run.ts'
import { AUDIT_BAND } from './hybrid-summary.ts'
import { recordRefit } from './samples-repo.ts'

/** Model-backed calls a round and task needs before its agreement counts as out of band. */
const MIN_CALLS = 30

/**
 * Continuous distillation (`--redistill`): after a round whose shadow audit falls below
 * the band for some task, the profile is refitted on the run's model calls so far and the
 * next rounds run on it. The refit is recorded (`profile_refits`) with the agreement of
 * the old and the new profile on the held-out agents' calls. It is a pure function of the
 * calls up to that round, and the profile in force is a run fact kept with checkpoints, so
 * a resume continues on the same profile and refits at the same rounds.
 */
export function redistillExtension(): RunExtension {
  return {
    name: 'redistill',
    async attach(loop) {
      const h = loop.config.hybrid
      const llm = loop.config.llm
      if (!h?.redistill || !h.profile || llm?.backend !== 'openai') return
      let current: SurrogateProfile = h.profile
      loop.fact('hybridProfile', () => (current === h.profile ? null : current))
      const resumed = loop.resumedFacts.hybridProfile
      if (resumed) {
        current = surrogateProfileSchema.parse(resumed)
        loop.useExecutor(await loop.startExecutor({ ...llm, hybridProfile: current }))
      }
      loop.on('round:done', async ({ round }) => {
        if (round + 1 >= loop.config.rounds) return
        const key = loop.store.runKey(loop.runId)
        const out: string[] = []
        for (const a of roundTaskAudits(loop.store.db, key) ?? []) {
          if (a.round !== round) continue
          for (const [name, m] of [['click F1', a.audit.clickF1], ['leave agreement', a.audit.leaveAgree]] as const) {
            const e = estimate(m)
            if (e && e.n >= MIN_CALLS && e.mean < AUDIT_BAND) out.push(`${a.task} ${name} ${e.mean} < ${AUDIT_BAND}`)
          }
        }
        if (!out.length) return
        const next = distillRun(loop.store, loop.runId, { tasks: Object.keys(current.tasks), maxRound: round, from: current, holdout: current.holdout.share })
        recordRefit(loop.store.db, key, {
          round,
          oldHash: current.hash,
          newHash: next.hash,
          reason: out.join('; '),
          figures: Object.fromEntries(Object.entries(next.tasks).map(([t, v]) => [t, { before: v.fit.before, after: v.fit.after }])),
        })
        current = next
        loop.useExecutor(await loop.startExecutor({ ...llm, hybridProfile: current }))
      })
    },
  }
}
