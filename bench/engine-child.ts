// One engine run in its own process, so peak memory belongs to this run alone.
// Usage: tsx bench/engine-child.ts <agents> <rounds> <policy> <db> [threads]
import { buildRunConfig, launchRun } from '../src/runner/index.ts'

const [agents, rounds, policy, db, threads] = process.argv.slice(2)
// No warm start: the figure is the round loop's own, comparable across versions (feed's default burn-in runs before round 0).
const { config } = await buildRunConfig('feed', { agents: Number(agents), rounds: Number(rounds), policy, catalogSize: 5000, slate: 10, warmStart: 'none' })
const t0 = performance.now()
const result = await launchRun(config, { db: db!, threads: threads === undefined ? undefined : Number(threads) })
const seconds = (performance.now() - t0) / 1000
process.stdout.write(
  JSON.stringify({
    agents: config.agents,
    rounds: config.rounds,
    policy,
    agentSteps: result.agentSteps,
    seconds: Math.round(seconds * 100) / 100,
    agentStepsPerSecond: Math.round(result.agentSteps / seconds),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    satisfaction: result.summary.satisfaction,
  }) + '\n',
)
