export { crsPolicy, crsMemory, candidateView, type CrsMemory } from './policy.ts'
export { crsTurn, crsTurnInput, crsTurnOutput, crsAction, surrogateCrsTurn, type CrsTurnInput, type CrsTurnOutput, type CrsAction } from './tasks/crs-turn.ts'
export { rewriteTurn, rewriteTurnInput, rewriteTurnOutput, type RewriteTurnInput, type RewriteTurnOutput } from './tasks/rewrite-turn.ts'
export { trackConstraints, retrieve, crsConstraints, dialogueTurn, type CrsConstraints, type DialogueTurn } from './dialogue-state.ts'
