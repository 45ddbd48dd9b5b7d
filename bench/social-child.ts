// One social-feed run in its own process, so peak memory belongs to this run alone.
// Usage: tsx bench/social-child.ts <agents> <rounds> <policy> <db> <social: true|false>
import { listCheckpoints } from '../src/checkpoint/checkpoint-repo.ts'
import { defaultExtensions } from '../src/extensions/index.ts'
import { buildRunConfig, launchRun } from '../src/runner/index.ts'
import { messageBytes, messageCounts } from '../src/social/messages-repo.ts'
import { RunStore } from '../src/store/index.ts'

const [agents, rounds, policy, db, social] = process.argv.slice(2)
const { config } = await buildRunConfig('social-feed', { agents: Number(agents), rounds: Number(rounds), policy, catalogSize: 5000, slate: 10, params: { social: social === 'true', degree: 20 } })
const t0 = performance.now()
const result = await launchRun(config, { db: db!, extensions: defaultExtensions() })
const seconds = (performance.now() - t0) / 1000
const store = new RunStore(db!)
const counts = messageCounts(store.db, store.runKey(result.runId))
const bytes = messageBytes(store.db, store.runKey(result.runId))
const cps = listCheckpoints(store.db, result.runId)
const checkpointBytes = cps.length ? Math.max(...cps.map((c) => c.bytes)) : null
store.close()
process.stdout.write(
  JSON.stringify({
    agents: config.agents,
    rounds: config.rounds,
    policy,
    social: social === 'true',
    agentSteps: result.agentSteps,
    seconds: Math.round(seconds * 100) / 100,
    agentStepsPerSecond: Math.round(result.agentSteps / seconds),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    messages: counts.reduce((s, c) => s + c.messages, 0),
    deliveries: counts.reduce((s, c) => s + c.deliveries, 0),
    messageMB: Math.round(bytes / 1e5) / 10,
    checkpointMB: checkpointBytes === null ? null : Math.round(checkpointBytes / 1e5) / 10,
    friendClickShare: result.summary.custom.friendClickShare ?? 0,
  }) + '\n',
)
