export { crsUserAgent, asksAbout, crsEpisode, crsTarget, crsTargetOf, drawCrsTarget, type CrsEpisode, type CrsTarget } from './agent.ts'
export { crsUserTurn, crsUserTurnInput, crsUserTurnOutput, surrogateUserTurn, type CrsUserTurnInput, type CrsUserTurnOutput } from './tasks/crs-user-turn.ts'
