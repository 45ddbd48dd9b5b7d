/**
 * A user-agent of your own, with its own typed state: a "binge watcher" who opens the
 * item it likes best whenever it clears a bar that rises with every item it opens, and
 * leaves once nothing clears it. The runner keeps what it owns (whether the user is in a
 * session, the policy's memory of it) beside this state, not in it.
 *
 *   npx usersim run examples/custom-agent.ts --agents 2000 --policy bpr
 */
import { defineAgent, defineScenario, generateCatalog, generatePersona } from 'usersim'

interface BingeState {
  /** Items watched, oldest first (the last 20). */
  watched: number[]
  /** How good the next item must look. */
  bar: number
}

const bingeWatcher = defineAgent<BingeState>({
  name: 'binge-watcher',
  initialState: () => ({ watched: [], bar: 0 }),
  // What a policy sees as the user's history.
  history: (s) => s.watched,
  visit: ({ present }) => present,
  step: async ({ state, slate, truth, rng }) => {
    let best = -1
    let bestUtility = -Infinity
    for (const item of slate) {
      const u = truth.utility(item) + 0.2 * rng.normal()
      if (u > bestUtility) [best, bestUtility] = [item, u]
    }
    const watches = best >= 0 && bestUtility > state.bar
    const clicks = watches ? [best] : []
    return {
      state: { watched: [...state.watched, ...clicks].slice(-20), bar: watches ? state.bar + 0.15 : state.bar },
      clicks,
      ratings: clicks.map(() => (bestUtility > state.bar + 0.5 ? 5 : 4)),
      satisfaction: watches ? 0.8 : 0.3,
      left: !watches,
      utterances: [],
    }
  },
})

export default defineScenario({
  name: 'binge-watchers',
  description: 'Users who watch until nothing clears their rising bar',
  defaults: { agents: 2000, rounds: 5, slate: 10, policy: 'popularity', seed: 3, catalogSize: 2000 },
  catalog: ({ seed, size }) => generateCatalog({ seed, size }),
  persona: (id, ctx) => generatePersona(id, ctx),
  agent: bingeWatcher,
  // Scenario metrics see the agents' own states, typed.
  metrics: { meanWatched: (_rows, { states }) => states.reduce((n, s) => n + s.watched.length, 0) / Math.max(1, states.length) },
})
