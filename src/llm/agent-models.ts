import { combineSeed, mix32 } from '../core/index.ts'

/** One model of a mixed population and its share of the agents. */
export interface ModelShare {
  model: string
  share: number
}

/**
 * Assigns a model to every agent: within each stratum (persona cluster) the members are
 * ordered by a draw seeded with (run seed, agent), and the models are dealt along the
 * strata in turn by smooth weighted round-robin (the model furthest below its share takes
 * the next agent). So every stratum gets each model's share to within one agent, the
 * whole population to within one agent, and the result depends only on the seed, the
 * strata and the shares — never on shards or threads. Returns one model index per agent.
 */
export function assignModels(strata: readonly string[], shares: readonly ModelShare[], seed: number): number[] {
  const total = shares.reduce((s, m) => s + m.share, 0)
  const w = shares.map((m) => m.share / total)
  const groups = new Map<string, number[]>()
  strata.forEach((k, a) => {
    let g = groups.get(k)
    if (!g) groups.set(k, (g = []))
    g.push(a)
  })
  const draw = (a: number) => mix32(combineSeed(seed, 'agent-model', a))
  const out = new Array<number>(strata.length).fill(0)
  const credit = w.map(() => 0)
  for (const key of [...groups.keys()].sort()) {
    for (const a of groups.get(key)!.sort((x, y) => draw(x) - draw(y) || x - y)) {
      let best = 0
      for (let m = 0; m < w.length; m++) {
        credit[m]! += w[m]!
        if (credit[m]! > credit[best]!) best = m
      }
      credit[best]! -= 1
      out[a] = best
    }
  }
  return out
}

/**
 * The model of an agent that the stored assignment does not cover (one that joined after
 * the run started): a seeded draw by the shares.
 */
export function modelOfUnassigned(agent: number, shares: readonly ModelShare[], seed: number): number {
  const total = shares.reduce((s, m) => s + m.share, 0)
  let u = (mix32(combineSeed(seed, 'agent-model-late', agent)) / 4294967296) * total
  for (let m = 0; m < shares.length; m++) {
    u -= shares[m]!.share
    if (u < 0) return m
  }
  return shares.length - 1
}

/** Parses `llama-8b=0.7,qwen-7b=0.3` (shares are relative weights; they need not add up to 1). */
export function parseAgentModels(text: string): ModelShare[] | string {
  const out: ModelShare[] = []
  for (const part of text.split(',')) {
    const eq = part.lastIndexOf('=')
    const model = part.slice(0, eq).trim()
    const share = Number(part.slice(eq + 1))
    if (eq <= 0 || !model || !/^\d*\.?\d+$/.test(part.slice(eq + 1).trim()) || !(share > 0)) return `expected model=share[,model=share…] with positive shares (got "${part}")`
    if (out.some((m) => m.model === model)) return `model "${model}" is listed twice`
    out.push({ model, share })
  }
  return out
}
