import type { Command } from 'commander'
import { z } from 'zod'
import { buildRunConfig, launchRun, type RunResult } from '../../runner/index.ts'
import { collect, DEFAULT_DB, intFlag, parseFlags, parseSets, THREADS_HELP } from '../flags.ts'
import { addLlmOptions, llmFromFlags } from '../llm-options.ts'
import { addHybridOptions, hybridFromFlags, withAgentModels, withModelSample } from '../hybrid-options.ts'
import { applyDataFlags, dataFlag, formatFlag } from '../../data/index.ts'
import { addRecoveryOptions, recoveryFromFlags } from '../recovery-flags.ts'
import { serveRunFromFlag } from '../../report/serve-while-running.ts'
import { printRunResult, runSession } from '../run-session.ts'

const runFlags = z.object({
  agents: intFlag('--agents', 1, 10_000_000),
  rounds: intFlag('--rounds', 1, 1_000_000),
  slate: intFlag('--slate', 1, 100),
  seed: intFlag('--seed', 0, 2 ** 31 - 1),
  catalog: intFlag('--catalog', 1, 10_000_000),
  threads: intFlag('--threads', 0, 64),
  shards: intFlag('--shards', 1, 100_000),
  redis: z.union([z.string().min(1), z.boolean()]).optional(),
  ndcgSample: intFlag('--ndcg-sample', 0, 10_000_000),
  policy: z.string().min(1, '--policy must name a policy').optional(),
  db: z.string().min(1, '--db must be a file path').default(DEFAULT_DB),
  json: z.boolean().default(false),
  set: z.array(z.string()).optional(),
  data: dataFlag,
  format: formatFlag,
  warmStart: z.string().optional(),
})
export type RunFlags = z.infer<typeof runFlags>

export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description('run a simulation of a scenario (a built-in name or a .ts file)')
    .argument('<scenario>', 'built-in scenario name (see `npx usersim scenarios`) or path to a scenario module')
    .option('--agents <n>', 'number of simulated users')
    .option('--rounds <n>', 'number of rounds')
    .option('--policy <name>', 'recommender policy under test')
    .option('--seed <n>', 'run seed (same seed, same results)')
    .option('--slate <n>', 'items per slate')
    .option('--catalog <n>', 'catalog size')
    .option('--db <file>', 'SQLite file to store the run in', DEFAULT_DB)
    .option('--threads <n>', THREADS_HELP)
    .option('--redis [url]', 'run shards on `npx usersim worker` processes through Redis (bare flag: $REDIS_URL or redis://127.0.0.1:6379)')
    .option('--shards <n>', 'shards per round (results do not depend on it)')
    .option('--ndcg-sample <n>', 'agents per round whose NDCG is measured against the oracle')
    .option('--set <key=value>', 'scenario parameter, or policy.<option>=value (repeatable)', collect)
    .option('--data <dir>', 'dataset directory for data-driven scenarios (movielens); --agents defaults to its users')
    .option('--format <f>', 'dataset format: latest, 100k, 1m or csv (default: detected)')
    .option('--warm-start <how>', 'what the policy learns from before round 0: none, log (the data set\'s training split) or burn-in[:rounds] (default: the scenario\'s)')
    .option('--json', 'print one JSON object instead of tables', false)
    .option('--serve [port]', 'serve a live view of the run on 127.0.0.1 (default port 8080); keeps serving after the run until Ctrl-C')
  addRecoveryOptions(cmd)
  addLlmOptions(cmd)
  addHybridOptions(cmd)
  cmd.action(async (scenarioRef: string, raw: Record<string, unknown>) => {
      const flags = parseFlags(runFlags, raw)
      const sets = parseSets(flags.set)
      const { params, agents } = applyDataFlags(flags, sets.params)
      const policyOptions = sets.policyOptions
      // Preflight: an unreachable server or unknown model stops here, before a run row exists.
      const llm = await llmFromFlags(raw, { db: flags.db, json: flags.json })
      const hybrid = hybridFromFlags(raw, llm)
      const built = await buildRunConfig(scenarioRef, {
        agents,
        rounds: flags.rounds,
        slate: flags.slate,
        seed: flags.seed,
        catalogSize: flags.catalog,
        policy: flags.policy,
        ndcgSample: flags.ndcgSample,
        warmStart: flags.warmStart,
        params,
        policyOptions,
        recovery: recoveryFromFlags(raw),
        llm,
        hybrid,
      })
      const { scenario } = built
      const config = await withAgentModels(await withModelSample(built.config))
      const live = await serveRunFromFlag(raw.serve, flags.db)
      const session = runSession(config, flags)
      let result: RunResult
      try {
        result = await launchRun(config, { db: flags.db, ...session.launch })
      } catch (err) {
        await live?.close()
        throw err
      } finally {
        session.done()
      }
      printRunResult(result, config, flags.db, scenario.name, flags.json)
      await live?.afterRun()
    })
}
