import type { Command } from 'commander'
import { z } from 'zod'
import { startPolicyServer } from '../../external/testing/policy-server.ts'
import { buildRunConfig, createShardEnv } from '../../runner/index.ts'
import { collect, intFlag, parseFlags, parseSets } from '../flags.ts'

const flagsSchema = z.object({
  port: intFlag('--port', 0, 65_535),
  catalog: intFlag('--catalog', 1, 10_000_000),
  seed: intFlag('--seed', 0, 2 ** 31 - 1),
  latency: intFlag('--latency', 0, 600_000),
  maxBatch: intFlag('--max-batch', 1, 1_000_000),
  set: z.array(z.string()).optional(),
  json: z.boolean().default(false),
})

/**
 * `usersim serve-policy <policy>`: a built-in (or scenario) policy served over
 * usersim.policy.v1, to try the protocol and measure its overhead against the same policy
 * in process. It serves the catalog a run of the scenario with the same --catalog and --seed has.
 */
export function registerServePolicy(program: Command): void {
  program
    .command('serve-policy')
    .description('serve a built-in policy over the external-policy protocol (usersim.policy.v1) on 127.0.0.1')
    .argument('<policy>', 'policy name (random, popularity, cooccurrence, bpr, or one the scenario adds)')
    .option('--scenario <name>', 'the scenario whose catalog to serve (default feed)', 'feed')
    .option('--catalog <n>', 'catalog size (as the run\'s --catalog)')
    .option('--seed <n>', 'seed (as the run\'s --seed)')
    .option('--set <key=value>', 'scenario parameter or policy.<option>=value (repeatable)', collect)
    .option('--port <n>', 'port (default 0: a free one)')
    .option('--latency <ms>', 'added time per /recommend (default 0)')
    .option('--max-batch <n>', 'largest batch the server accepts (reported by /info)')
    .option('--json', 'print the address as JSON', false)
    .action(async (policy: string, raw: Record<string, unknown>) => {
      const f = parseFlags(flagsSchema, raw)
      const sets = parseSets(f.set)
      const { config } = await buildRunConfig(String(raw.scenario ?? 'feed'), { policy, catalogSize: f.catalog, seed: f.seed, params: sets.params, policyOptions: sets.policyOptions })
      const env = await createShardEnv(config)
      const server = await startPolicyServer({ policy: env.policy as never, catalog: env.catalog, port: f.port ?? 0, latencyMs: f.latency, maxBatch: f.maxBatch })
      if (f.json) process.stdout.write(JSON.stringify({ url: server.url, policy, catalog: env.catalog.items.length }) + '\n')
      else {
        process.stdout.write(
          `listening on ${server.url} (${policy}, ${env.catalog.items.length} items of ${config.scenario}); Ctrl-C to stop\n` +
            `try: npx usersim run ${config.scenario} --policy ${server.url}${f.catalog ? ` --catalog ${f.catalog}` : ''}${f.seed !== undefined ? ` --seed ${f.seed}` : ''}\n`,
        )
      }
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve())
        process.once('SIGTERM', () => resolve())
      })
      await server.close()
      process.stderr.write(`served ${server.stats.recommend} /recommend (${server.stats.users} users), ${server.stats.learn} /learn, ${server.stats.reset} /reset\n`)
    })
}
