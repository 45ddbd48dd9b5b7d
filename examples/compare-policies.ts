/**
 * Compares policies from a script with `simulate` and prints one line per policy.
 *
 *   npx tsx examples/compare-policies.ts [agents] [db]
 */
import { simulate } from 'usersim'

const agents = Number(process.argv[2] ?? 2000)
const db = process.argv[3] ?? 'compare.db'
for (const policy of ['random', 'popularity', 'bpr', 'oracle']) {
  const { runId, summary } = await simulate('feed', { agents, rounds: 3, policy, seed: 1, db })
  console.log(`${policy.padEnd(11)} satisfaction ${summary.satisfaction.toFixed(3)}  CTR ${summary.ctr.toFixed(3)}  NDCG ${summary.ndcg.toFixed(3)}  (${runId})`)
}
