export { feedCommanderAgent, feedEpisode, targetOf, type FeedEpisode, type FeedCommanderState } from './agent.ts'
export { feedCommand, surrogateCommand, type FeedCommandInput } from './tasks/feed-command.ts'
export { drawFeedTarget, facetMet, fullyMatches, phaseAt, feedTarget, type Facet, type FeedTarget, type FeedPhase, type FeedSetting } from './target.ts'
