import type { TaskDef } from '../core/index.ts'
import { parseCommand, planTools } from '../../agents/recommenders/recbot/index.ts'
import { crsTurn } from '../../agents/recommenders/crs/index.ts'

/**
 * Policy-side tasks whose calls are distillation material (the "teacher" in RecBot's
 * simulation-augmented distillation, the CRS agent in ECPO). User-side tasks are not:
 * a student recommender must not learn to play the user.
 */
export const TEACHER_TASKS: Record<string, TaskDef<any, any>> = {
  'parse-command': parseCommand,
  'plan-tools': planTools,
  'crs-turn': crsTurn,
}

/** Call outcomes that are a teacher's own answer (a fallback to the surrogate is not). */
export const TEACHER_OUTCOMES = new Set(['ok', 'repaired', 'cached', 'surrogate'])
