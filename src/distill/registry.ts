import type { TaskDef } from '../core/index.ts'
import { decideContinue } from '../../agents/users/ailo/tasks/decide-continue.ts'
import { evaluateSlate } from '../../agents/users/ailo/tasks/evaluate-slate.ts'

/** Tasks whose surrogate is parameterised (`distill` set): what `usersim distill` fits by default. */
export const DISTILLABLE_TASKS: Record<string, TaskDef<any, any>> = {
  'evaluate-slate': evaluateSlate,
  'decide-continue': decideContinue,
}
