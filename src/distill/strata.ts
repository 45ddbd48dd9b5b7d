import { combineSeed, mix32 } from '../core/index.ts'
import { assignModels } from '../llm/agent-models.ts'
import { parseRunConfig, type RunConfig } from '../config/index.ts'
import { createShardEnv } from '../runner/shard-env.ts'

/** The persona cluster an agent is stratified by: how it browses and its first favourite category. */
export const clusterKey = (p: { activityType: string; favouriteCategories: readonly string[] }) => `${p.activityType}|${p.favouriteCategories[0] ?? '-'}`

/**
 * The agents that run on the model in a hybrid run: within every persona cluster, the
 * `share` of its members with the lowest seeded draw (at least one, so every kind of
 * user is covered). Drawn once where the run starts and stored with the configuration.
 */
export async function stratifiedSample(config: RunConfig, share: number): Promise<{ agents: number[]; strata: number }> {
  const env = await createShardEnv(config, 1)
  const groups = new Map<string, number[]>()
  for (let a = 0; a < config.agents; a++) {
    const k = clusterKey(env.persona(a))
    let g = groups.get(k)
    if (!g) groups.set(k, (g = []))
    g.push(a)
  }
  const draw = (a: number) => mix32(combineSeed(config.seed, 'model-share', a))
  const agents: number[] = []
  for (const key of [...groups.keys()].sort()) {
    const members = groups.get(key)!
    const take = share <= 0 ? 0 : Math.max(1, Math.round(share * members.length))
    agents.push(...members.sort((x, y) => draw(x) - draw(y) || x - y).slice(0, take))
  }
  return { agents: agents.sort((x, y) => x - y), strata: groups.size }
}

/** Draws the model-backed sample of a hybrid run (once, where it starts) into its configuration. */
export async function withModelSample(config: RunConfig): Promise<RunConfig> {
  const share = config.hybrid?.modelShare
  if (share === undefined || share >= 1 || config.hybrid?.modelAgents) return config
  const { agents, strata } = await stratifiedSample(config, share)
  return parseRunConfig({ ...config, hybrid: { ...config.hybrid, modelAgents: agents, strata } })
}

/**
 * Draws a mixed-model population's assignment (once, where the run starts) into its LLM
 * settings: each agent's model, stratified by persona cluster (see assignModels).
 */
export async function withAgentModels(config: RunConfig): Promise<RunConfig> {
  const llm = config.llm
  if (llm?.backend !== 'openai' || !llm.agentModels || llm.agentModels.assignment) return config
  const env = await createShardEnv(config, 1)
  const strata = Array.from({ length: config.agents }, (_, a) => clusterKey(env.persona(a)))
  const assignment = assignModels(strata, llm.agentModels.models, config.seed)
  return parseRunConfig({ ...config, llm: { ...llm, agentModels: { ...llm.agentModels, assignment } } })
}
